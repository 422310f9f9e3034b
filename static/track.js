// Citizen's tracking page (/t/{token}): the ticket's place in the queue, the call to
// a counter, then the dossiers the visit created. Small on purpose: it must load on a
// slow mobile line. It shows only what the track object carries, never personal data.
'use strict';
(function () {
  var token = decodeURIComponent(location.pathname.split('/')[2] || '');
  var trackURL = '/api/v1/track/' + encodeURIComponent(token);

  var track = null;     // the last GET /api/v1/track/{token} object, patched by events
  var lastSeq = 0;
  var ws = null;
  var wsRetry = 0;
  var wsTimer = 0;
  var fetchTimer = 0;
  var fetchRetry = 0;
  var gone = false;     // unknown token: nothing to follow
  var alertKey = null;  // what the last alert was for, so one call alerts once
  var audio = null;     // AudioContext, created on the first tap (browsers require one)
  var canSound = 'AudioContext' in window || 'webkitAudioContext' in window;

  var STATUS = {
    waiting: 'Đang chờ',
    serving: 'Đang phục vụ',
    done: 'Hoàn thành',
    no_show: 'Vắng mặt',
    transferred: 'Đã chuyển sang dịch vụ khác – đang chờ',
    cancelled: 'Đã hủy'
  };
  var NOTE = {
    no_show: 'Bạn không có mặt khi được gọi. Nếu vẫn cần làm thủ tục, hãy chọn “Kích hoạt lại số” ' +
      'trên máy lấy số và nhập mã tra cứu in trên phiếu.',
    done: 'Cảm ơn bạn. Nếu bạn đã nộp hồ sơ, tình trạng hồ sơ hiện ở bên dưới.',
    cancelled: 'Số thứ tự này không còn hiệu lực.'
  };
  var DOSSIER_STATUS = {
    received: 'Đã tiếp nhận',
    transferred: 'Đã chuyển cơ quan giải quyết',
    processing: 'Đang giải quyết',
    supplement_requested: 'Cần bổ sung hồ sơ',
    result_ready: 'Đã có kết quả – mời bạn đến nhận',
    returned: 'Đã trả kết quả',
    rejected: 'Không giải quyết (từ chối)'
  };
  var WEEKDAYS = ['Chủ nhật', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy'];

  function $(id) { return document.getElementById(id); }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  // The hub writes times in the branch's own offset; show them as written.
  function parts(iso) {
    var m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)/.exec(iso || '');
    return m && { y: +m[1], mo: m[2], d: m[3], hm: m[4] + ':' + m[5] };
  }
  function dateTime(iso) {
    var p = parts(iso);
    return p ? p.hm + ', ' + p.d + '/' + p.mo + '/' + p.y : '';
  }
  function day(iso) {
    var p = parts(iso);
    if (!p) return '';
    var wd = new Date(Date.UTC(p.y, +p.mo - 1, +p.d)).getUTCDay();
    return WEEKDAYS[wd] + ', ' + p.d + '/' + p.mo + '/' + p.y;
  }

  function waitText(sec) {
    if (!(sec > 0)) return 'Sắp đến lượt';
    var m = Math.ceil(sec / 60);
    if (m > 15) m = Math.ceil(m / 5) * 5;
    if (m >= 60) return 'Khoảng ' + Math.floor(m / 60) + ' giờ' + (m % 60 ? ' ' + (m % 60) + ' phút' : '');
    return 'Khoảng ' + m + ' phút';
  }

  function counterText(c) {
    return c ? 'quầy số ' + c.number : 'quầy';
  }

  // ---- Rendering

  function render() {
    var t = track;
    if (!t) return;
    offerRating(t);
    var c = t.counter;
    $('number').textContent = t.number || '–';
    $('service').textContent = (t.service && t.service.name) || '';

    var status = t.status === 'called' ? 'Đã gọi – mời bạn đến ' + counterText(c)
      : t.status === 'serving' && c ? 'Đang phục vụ tại ' + counterText(c)
      : STATUS[t.status] || t.status || '';
    $('status').textContent = status;
    $('status').className = 'status s-' + (t.status || '');

    var called = t.status === 'called';
    $('called-banner').hidden = !called;
    if (called) {
      var ct = $('called-text');
      ct.textContent = 'Mời bạn đến ';
      ct.appendChild(el('span', 'nowrap', counterText(c))); // keep "quầy số 3" on one line
      $('called-sub').textContent = c && c.name ? c.name : '';
    }

    var waiting = t.status === 'waiting' || t.status === 'transferred';
    $('facts').hidden = !waiting;
    if (waiting) {
      $('position').textContent = t.position > 0 ? t.position + ' người' : 'Không có ai – bạn là người tiếp theo';
      $('wait').textContent = waitText(t.est_wait_s);
    }
    var note = NOTE[t.status] || (waiting && !(t.position > 0) ? 'Bạn sắp đến lượt. Vui lòng có mặt gần khu vực quầy.' : '');
    $('note').hidden = !note;
    $('note').textContent = note;
    if (t.status === 'no_show' && t.short_code) {
      // The paper may be lost: the phone shows the code the kiosk asks for.
      var code = el('p', 'code', 'Mã tra cứu: ');
      code.appendChild(el('strong', '', t.short_code)).id = 'reactivate-code';
      $('note').appendChild(code);
    }

    document.title = called ? 'Mời đến ' + counterText(c) + ' – Số ' + t.number
      : 'Số ' + t.number + ' – ' + status;
    renderDossiers(t.dossiers || []);
    var now = new Date();
    $('updated').textContent = 'Cập nhật lúc ' + pad(now.getHours()) + ':' + pad(now.getMinutes()) + ':' + pad(now.getSeconds()) + '.';
    // The sound only matters while a call may still come.
    if (!audio) $('sound').hidden = !canSound || !(waiting || called);
    maybeAlert();
  }

  // Rating (issue 15): once the visit is done, ask for a rating once.
  var ratingAsked = false;
  function offerRating(t) {
    if (ratingAsked || t.status !== 'done' || !window.MotcuaRating) return;
    ratingAsked = true;
    fetch(trackURL + '/rating').then(function (res) {
      if (res.status !== 404) return; // already rated
      var box = $('rating');
      box.hidden = false;
      window.MotcuaRating.form(box, function (body) {
        return fetch(trackURL + '/rating', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      });
    });
  }

  function pad(n) { return (n < 10 ? '0' : '') + n; }

  function renderDossiers(list) {
    var box = $('dossier-list');
    box.textContent = '';
    $('dossiers').hidden = list.length === 0;
    list.forEach(function (d) {
      var card = el('article', 'dossier' + (d.overdue ? ' overdue' : ''));
      var head = el('div', 'd-head');
      head.appendChild(el('span', 'd-status d-' + d.status, DOSSIER_STATUS[d.status] || d.status));
      if (d.overdue) head.appendChild(el('span', 'd-overdue', 'Quá hạn'));
      else if (d.at_risk) head.appendChild(el('span', 'd-at-risk', 'Sắp đến hạn'));
      card.appendChild(head);
      var proc = d.procedure && typeof d.procedure === 'object' ? d.procedure.name : d.procedure;
      if (proc) card.appendChild(el('h3', 'd-proc', proc));
      var dl = el('dl', 'd-facts');
      fact(dl, 'Mã hồ sơ', d.code, 'd-code');
      fact(dl, 'Ngày tiếp nhận', dateTime(d.received_at));
      fact(dl, 'Ngày hẹn trả kết quả', day(d.due_at), 'd-due');
      card.appendChild(dl);
      if (d.status === 'supplement_requested') {
        card.appendChild(el('p', 'd-note', 'Hồ sơ cần bổ sung giấy tờ. Vui lòng xem phiếu yêu cầu bổ sung, ' +
          'hoàn thiện hồ sơ hoặc liên hệ bộ phận một cửa.'));
      }
      if (d.status === 'result_ready') {
        card.appendChild(el('p', 'd-note', 'Vui lòng mang theo giấy tiếp nhận hồ sơ và hẹn trả kết quả khi đến nhận.'));
      }
      (d.apologies || []).forEach(function (a) {
        var ap = el('div', 'apology');
        ap.appendChild(el('h4', '', 'Văn bản xin lỗi và hẹn lại ngày trả kết quả'));
        if (a.issued_at) ap.appendChild(el('p', 'a-date', 'Ngày ban hành: ' + day(a.issued_at)));
        if (a.reason) ap.appendChild(el('p', '', 'Lý do: ' + a.reason));
        if (a.new_due_at) {
          var p = el('p', 'a-new', 'Ngày hẹn trả mới: ');
          p.appendChild(el('strong', '', day(a.new_due_at)));
          ap.appendChild(p);
        }
        card.appendChild(ap);
      });
      renderHistory(card, d.history || []);
      box.appendChild(card);
    });
  }

  // The dossier's road so far, oldest first: statuses and times only.
  function renderHistory(card, history) {
    if (history.length < 2) return;
    var det = el('details', 'd-history');
    det.appendChild(el('summary', '', 'Quá trình xử lý (' + history.length + ' bước)'));
    var ol = el('ol');
    history.forEach(function (h) {
      var li = el('li');
      li.appendChild(el('span', 'h-at', dateTime(h.at)));
      li.appendChild(document.createTextNode(' ' + (DOSSIER_STATUS[h.status] || h.status)));
      ol.appendChild(li);
    });
    det.appendChild(ol);
    card.appendChild(det);
  }

  function fact(dl, label, value, cls) {
    if (!value) return;
    var row = el('div', cls);
    row.appendChild(el('dt', '', label));
    row.appendChild(el('dd', '', value));
    dl.appendChild(row);
  }

  // ---- Alerting the citizen when called

  function maybeAlert() {
    var key = track.status === 'called' ? 'called:' + (track.counter ? track.counter.id : '') + ':' + (track.calls || '') : '';
    if (alertKey === null) { alertKey = key; return; } // first render after opening: nothing changed yet
    if (key === alertKey) return;
    alertKey = key;
    if (key) ring();
  }

  function ring() {
    if (navigator.vibrate) navigator.vibrate([400, 200, 400, 200, 800]);
    if (!audio) return;
    try {
      if (audio.state === 'suspended') audio.resume();
      var t0 = audio.currentTime;
      [[880, 0], [660, 0.35], [880, 0.9], [660, 1.25]].forEach(function (n) {
        var o = audio.createOscillator(), g = audio.createGain();
        o.type = 'sine';
        o.frequency.value = n[0];
        g.gain.setValueAtTime(0.0001, t0 + n[1]);
        g.gain.exponentialRampToValueAtTime(0.4, t0 + n[1] + 0.03);
        g.gain.exponentialRampToValueAtTime(0.0001, t0 + n[1] + 0.3);
        o.connect(g);
        g.connect(audio.destination);
        o.start(t0 + n[1]);
        o.stop(t0 + n[1] + 0.32);
      });
    } catch (e) { /* no sound is not a reason to stop */ }
  }

  function enableSound() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx || audio) return;
    try { audio = new Ctx(); audio.resume(); } catch (e) { audio = null; return; }
    $('sound').textContent = 'Âm báo đã bật';
    $('sound').classList.add('on');
    setTimeout(function () { $('sound').hidden = true; }, 2500);
  }

  // ---- Fetching and the websocket

  function fetchTrack() {
    clearTimeout(fetchTimer);
    return fetch(trackURL, { cache: 'no-store', headers: { Accept: 'application/json' } }).then(function (res) {
      if (res.status === 404) { notFound(); return; }
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.json().then(function (data) {
        fetchRetry = 0;
        track = data;
        render();
      });
    }).catch(function () {
      // The websocket snapshot may still arrive; keep trying gently either way.
      fetchTimer = setTimeout(fetchTrack, Math.min(30000, 3000 * Math.pow(2, fetchRetry++)));
    });
  }

  // Many phones may follow the same queue: spread their refetches a little.
  function refetchSoon(minMs, maxMs) {
    clearTimeout(fetchTimer);
    fetchTimer = setTimeout(fetchTrack, minMs + Math.random() * (maxMs - minMs));
  }

  function notFound() {
    gone = true;
    if (ws) ws.close();
    $('number').hidden = true;
    document.querySelector('.label').hidden = true;
    $('status').className = 'status s-missing';
    $('status').textContent = 'Không tìm thấy số thứ tự này. Vui lòng kiểm tra lại mã QR trên phiếu.';
    $('facts').hidden = true;
    $('reconnecting').hidden = true;
    $('sound').hidden = true;
  }

  function connect() {
    clearTimeout(wsTimer);
    if (gone || (ws && ws.readyState <= 1)) return;
    var url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host +
      '/ws/track/' + encodeURIComponent(token) + (lastSeq ? '?since=' + lastSeq : '');
    try { ws = new WebSocket(url); } catch (e) { reconnectLater(); return; }
    ws.onmessage = function (e) {
      wsRetry = 0;
      $('reconnecting').hidden = true;
      var msg;
      try { msg = JSON.parse(e.data); } catch (err) { return; }
      handle(msg);
    };
    ws.onclose = function () {
      ws = null;
      if (gone) return;
      $('reconnecting').hidden = false;
      reconnectLater();
    };
  }

  function reconnectLater() {
    clearTimeout(wsTimer);
    var d = Math.min(30000, 1000 * Math.pow(2, wsRetry++));
    wsTimer = setTimeout(connect, d / 2 + Math.random() * d / 2);
  }

  function handle(msg) {
    if (msg.type === 'snapshot') {
      if (typeof msg.seq === 'number') lastSeq = msg.seq;
      if (msg.track) { track = msg.track; render(); }
      return;
    }
    if (typeof msg.seq === 'number') {
      if (msg.seq <= lastSeq) return; // already seen before a reconnect
      lastSeq = msg.seq;
    }
    if (!track) { refetchSoon(0, 500); return; }
    // The hub sends a phone only its own service's queue events, at most one
    // every few seconds and already spread over time: refetch soon after.
    if (msg.type === 'queue') refetchSoon(0, 1000);
    else if (msg.type === 'dossier') refetchSoon(200, 1000);
    else if (msg.type === 'ticket' && msg.ticket) applyTicket(msg.ticket);
    else if (msg.type === 'call' && msg.ticket && String(msg.ticket.number) === String(track.number)) {
      track.status = 'called';
      if (msg.counter) track.counter = msg.counter;
      if (msg.recall) track.calls = (track.calls || 1) + 1; // a recall rings again
      render();
    }
  }

  function applyTicket(tk) {
    var movedService = track.service && tk.service_id && tk.service_id !== track.service.id;
    if (tk.number) track.number = tk.number;
    if (tk.status) track.status = tk.status;
    if ('counter' in tk) track.counter = tk.counter;
    if (typeof tk.calls === 'number') track.calls = tk.calls;
    if (typeof tk.position === 'number') track.position = tk.position;
    if (typeof tk.est_wait_s === 'number') track.est_wait_s = tk.est_wait_s;
    if (movedService) track.service = { id: tk.service_id, name: tk.service_name || '' };
    render();
    if (movedService || tk.status === 'waiting') refetchSoon(300, 1500);
  }

  // Phones drop sockets while asleep; on wake-up, catch up at once.
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState !== 'visible' || gone) return;
    wsRetry = 0;
    connect();
    refetchSoon(0, 300);
  });

  if (canSound) {
    document.addEventListener('pointerdown', enableSound, { once: true });
    $('sound').addEventListener('click', enableSound);
  }

  if (!token) { notFound(); return; }
  fetchTrack().then(connect);
})();
