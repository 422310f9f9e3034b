// Citizen's page (/t/{token}): place in the queue, the call, then the visit's
// dossiers. Small: it loads on slow mobile lines. Never personal data.
'use strict';
(function () {
  var token = decodeURIComponent(location.pathname.split('/')[2] || '');
  var trackURL = '/api/v1/track/' + encodeURIComponent(token);

  var track = null;     // the last track object, patched by events
  var live = null;      // the websocket loop
  var fetchTimer = 0;
  var fetchRetry = 0;
  var gone = false;     // unknown token: nothing to follow
  var alertKey = null;  // what the last alert was for: one call alerts once
  var audio = null;     // AudioContext, made on the first tap
  var canSound = 'AudioContext' in window || 'webkitAudioContext' in window;

  // The phone's words where the shared labels say too little.
  var STATUS = { transferred: 'Đã chuyển sang dịch vụ khác – đang chờ' };
  var NOTE = {
    no_show: 'Bạn không có mặt khi được gọi. Nếu vẫn cần làm thủ tục, chọn “Kích hoạt lại số” trên máy lấy số.',
    done: 'Cảm ơn bạn. Nếu bạn đã nộp hồ sơ, tình trạng hồ sơ hiện ở bên dưới.',
    cancelled: 'Số thứ tự này không còn hiệu lực.'
  };
  var DOSSIER_STATUS = {
    supplement_requested: 'Cần bổ sung hồ sơ',
    result_ready: 'Đã có kết quả – mời bạn đến nhận',
    rejected: 'Không giải quyết (từ chối)',
    stopped: 'Đã dừng giải quyết'
  };
  var TIMING = { early: 'trước hạn', on_time: 'đúng hạn', late: 'quá hạn' };
  function dossierStatus(st) { return DOSSIER_STATUS[st] || motcua.dossierStatus(st); }
  var WEEKDAYS = ['Chủ nhật', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy'];

  function $(id) { return document.getElementById(id); }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function dateTime(iso) {
    var p = motcua.time(iso);
    return p ? p.hm + ', ' + p.dmy : '';
  }
  function day(iso) {
    var p = motcua.time(iso);
    if (!p) return '';
    return WEEKDAYS[new Date(Date.UTC(+p.y, +p.mo - 1, +p.d)).getUTCDay()] + ', ' + p.dmy;
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
      : STATUS[t.status] || motcua.ticketStatus(t.status);
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
    if (t.status === 'no_show') renderNoShow(t);

    document.title = called ? 'Mời đến ' + counterText(c) + ' – Số ' + t.number
      : 'Số ' + t.number + ' – ' + status;
    renderDossiers(t.dossiers || []);
    var now = new Date();
    $('updated').textContent = 'Cập nhật lúc ' + pad(now.getHours()) + ':' + pad(now.getMinutes()) + ':' + pad(now.getSeconds()) + '.';
    // The sound only matters while a call may still come.
    if (!audio) $('sound').hidden = !canSound || !(waiting || called);
    maybeAlert();
  }

  // A no-show comes back at the kiosk until reactivate_until, with the code
  // (the paper may be lost); later, it takes a new number.
  var untilTimer = 0;
  function renderNoShow(t) {
    var until = motcua.time(t.reactivate_until), left = Date.parse(t.reactivate_until) - now();
    clearTimeout(untilTimer);
    if (!until || left <= 0) {
      $('note').textContent = until ? 'Đã quá ' + until.hm + ': số này không kích hoạt lại được nữa. Nếu vẫn cần làm thủ tục, vui lòng lấy số mới.'
        : NOTE.cancelled;
      return;
    }
    untilTimer = setTimeout(render, left + 1000);
    var p = el('p', 'code', 'Kích hoạt lại trước ');
    p.appendChild(el('strong', '', until.hm)).id = 'reactivate-until';
    p.appendChild(document.createTextNode(' với mã tra cứu '));
    p.appendChild(el('strong', '', t.short_code)).id = 'reactivate-code';
    $('note').appendChild(p);
  }

  // The hub's clock, and its date today in the offset iso is written in.
  var clockOffset = 0;
  function now() { return Date.now() + clockOffset; }
  function today(iso) {
    return new Date(now() + (motcua.offset(iso) || 0) * 60000).toISOString().slice(0, 10);
  }

  function loadBranch() {
    return motcua.api('GET', '/branch').then(function (b) {
      $('branch').textContent = [b.center_name, b.name].filter(Boolean).join(' · ');
      clockOffset = Date.parse(b.now) - Date.now() || 0;
    }, function () {});
  }

  // "Sắp đến hạn" needs the hub's date: read it again for a dossier at risk.
  function setTrack(data) {
    track = data;
    render();
    if ((data.dossiers || []).some(function (d) { return d.at_risk; })) loadBranch().then(render);
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
      head.appendChild(el('span', 'd-status d-' + d.status, dossierStatus(d.status)));
      if (d.overdue) head.appendChild(el('span', 'd-overdue', 'Quá hạn'));
      // Due soon from the day it was received (a short procedure): not a risk.
      else if (d.at_risk && d.received_at.slice(0, 10) < today(d.received_at)) head.appendChild(el('span', 'd-at-risk', 'Sắp đến hạn'));
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
      if (d.status === 'stopped' && d.stop_reason) card.appendChild(el('p', 'd-note d-stop', 'Lý do dừng giải quyết: ' + d.stop_reason));
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
      renderHandovers(card, d.handovers || []);
      box.appendChild(card);
    });
  }

  // Hand-overs between units (Mẫu 06): units, times and timing; never a person.
  function renderHandovers(card, list) {
    if (!list.length) return;
    var box = el('div', 'd-handovers');
    box.appendChild(el('h4', '', 'Giao nhận hồ sơ'));
    var ol = el('ol');
    list.forEach(function (h) {
      var li = el('li', 'handover h-' + h.timing);
      li.appendChild(el('span', 'h-at', dateTime(h.at)));
      li.appendChild(document.createTextNode(' ' + h.from + ' → ' + h.to + ' (' + (TIMING[h.timing] || h.timing) + ')'));
      ol.appendChild(li);
    });
    box.appendChild(ol);
    card.appendChild(box);
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
      li.appendChild(document.createTextNode(' ' + dossierStatus(h.status)));
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
    return motcua.api('GET', '/track/' + encodeURIComponent(token)).then(function (data) {
      fetchRetry = 0;
      setTrack(data);
    }, function (err) {
      if (err.status === 404) { notFound(); return; }
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
    if (live) live.close();
    $('number').hidden = true;
    document.querySelector('.label').hidden = true;
    $('status').className = 'status s-missing';
    $('status').textContent = 'Không tìm thấy số thứ tự này. Vui lòng kiểm tra lại mã QR trên phiếu.';
    $('facts').hidden = true;
    $('reconnecting').hidden = true;
    $('sound').hidden = true;
  }

  function connect() {
    if (gone) return;
    live = motcua.live({
      url: function () { return '/ws/track/' + encodeURIComponent(token); },
      message: handle,
      state: function (open) { $('reconnecting').hidden = open || gone; }
    });
  }

  function handle(msg) {
    if (msg.type === 'snapshot') {
      if (msg.track) setTrack(msg.track);
      return;
    }
    if (!track) { refetchSoon(0, 500); return; }
    // Queue events come already spread over time: refetch soon after.
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
    if (movedService || tk.status === 'waiting' || tk.status === 'no_show') refetchSoon(300, 1500);
  }

  // Back from sleep (the loop reconnects): catch up at once.
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible' && !gone) refetchSoon(0, 300);
  });

  if (canSound) {
    document.addEventListener('pointerdown', enableSound, { once: true });
    $('sound').addEventListener('click', enableSound);
  }

  if (!token) { notFound(); return; }
  loadBranch();
  fetchTrack().then(connect);
})();
