// motcua.js, loaded before each page's own script (no build step): the API
// client, the websocket loop, status labels, text folding, the hub's times.
// The phone loads it too: keep it small.
(function () {
  'use strict';
  var M = window.motcua = {};

  // fold: "Đất  đai" → "dat dai" (no diacritics, no case, single spaces).
  M.fold = function (s) {
    return String(s == null ? '' : s).normalize('NFD').replace(/[\u0300-\u036f]/g, '')
      .replace(/[đĐ]/g, 'd').toLowerCase().replace(/\s+/g, ' ').trim();
  };

  // matches: every word of query is in one of the texts.
  M.matches = function (texts, query) {
    var hay = M.fold([].concat(texts).join(' '));
    return M.fold(query).split(' ').every(function (w) { return !w || hay.indexOf(w) >= 0; });
  };

  // Status labels: [Vietnamese, English].

  M.TICKET_STATUS = {
    waiting: ['Đang chờ', 'Waiting'],
    called: ['Đã gọi', 'Called'],
    serving: ['Đang phục vụ', 'Serving'],
    done: ['Hoàn thành', 'Done'],
    no_show: ['Vắng mặt', 'No-show'],
    transferred: ['Đã chuyển dịch vụ', 'Transferred'],
    cancelled: ['Đã hủy', 'Cancelled']
  };
  M.DOSSIER_STATUS = {
    received: ['Đã tiếp nhận', 'Received'],
    transferred: ['Đã chuyển cơ quan giải quyết', 'Passed to the agency'],
    processing: ['Đang giải quyết', 'Processing'],
    supplement_requested: ['Chờ bổ sung', 'Supplement requested'],
    result_ready: ['Đã có kết quả', 'Result ready'],
    returned: ['Đã trả kết quả', 'Returned'],
    rejected: ['Từ chối', 'Rejected'],
    stopped: ['Dừng giải quyết', 'Stopped']
  };

  function label(table, status, lang) {
    var l = table[status];
    return l ? l[lang === 'en' ? 1 : 0] : String(status || '');
  }
  M.ticketStatus = function (status, lang) { return label(M.TICKET_STATUS, status, lang); };
  M.dossierStatus = function (status, lang) { return label(M.DOSSIER_STATUS, status, lang); };

  // The hub writes times in the branch's offset ("2026-12-02T17:00:00+07:00"):
  // shown as written, whatever the machine's zone.
  M.time = function (iso) {
    var m = /^(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d))?/.exec(iso || '');
    if (!m) return null;
    return { y: m[1], mo: m[2], d: m[3], h: m[4] || '00', mi: m[5] || '00',
      day: m[1] + '-' + m[2] + '-' + m[3], dmy: m[3] + '/' + m[2] + '/' + m[1], hm: (m[4] || '00') + ':' + (m[5] || '00') };
  };

  // offset: the UTC offset of iso in minutes ("+07:00" → 420; null if none).
  M.offset = function (iso) {
    var m = /([+-])(\d\d):?(\d\d)$/.exec(iso || '');
    if (!m) return /Z$/.test(iso || '') ? 0 : null;
    return (m[1] === '-' ? -1 : 1) * (m[2] * 60 + +m[3]);
  };

  // dmy turns "2026-12-02…" into "02/12/2026"; with time, "02/12/2026 17:00".
  M.dmy = function (iso, withTime) {
    var t = M.time(iso);
    return t ? t.dmy + (withTime ? ' ' + t.hm : '') : '';
  };

  var TOKEN_KEY = 'motcua.token', CSRF_KEY = 'motcua.csrf';

  // The staff login, kept for the tab (and the tabs it opens).
  M.session = {
    get token() { return sessionStorage.getItem(TOKEN_KEY) || ''; },
    get csrf() { return sessionStorage.getItem(CSRF_KEY) || ''; },
    save: function (login) {
      sessionStorage.setItem(TOKEN_KEY, login.token || '');
      if (login.csrf) sessionStorage.setItem(CSRF_KEY, login.csrf);
    },
    clear: function () {
      sessionStorage.removeItem(TOKEN_KEY);
      sessionStorage.removeItem(CSRF_KEY);
    }
  };

  // ApiError: the hub's {"error":{"code","message","fields"}}, the status (0:
  // no answer) and hubDown when the hub, not the request, failed.
  function ApiError(status, e, hubDown) {
    e = e || {};
    this.status = status;
    this.code = e.code || (status ? 'http_' + status : 'network');
    this.message = e.message || (status
      ? 'Lỗi máy chủ (' + status + '). / Server error (' + status + ').'
      : 'Không kết nối được máy chủ. / Cannot reach the server.');
    this.fields = e.fields || {};
    this.hubDown = !!hubDown;
  }
  ApiError.prototype = Object.create(Error.prototype);
  ApiError.prototype.name = 'ApiError';
  M.ApiError = ApiError;

  // Called on a 401 (but the login's): staff pages show their login.
  M.onUnauthorized = null;

  // api sends JSON to path (under /api/v1 unless it starts with /api/) and
  // resolves to the answer (null for 204) or rejects with an ApiError. It sends
  // the tab's bearer token, and the CSRF header for a session cookie.
  // opts.timeout (ms) gives up on a silent hub.
  M.api = function (method, path, body, opts) {
    opts = opts || {};
    var url = path.indexOf('/api/') === 0 ? path : '/api/v1' + path;
    var headers = { Accept: 'application/json' };
    var token = M.session.token, csrf = M.session.csrf;
    if (token) headers.Authorization = 'Bearer ' + token;
    if (csrf && method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrf;
    var init = { method: method, headers: headers, cache: 'no-store', credentials: 'same-origin' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    var timer = 0;
    if (opts.timeout && window.AbortController) {
      var ctl = new AbortController();
      init.signal = ctl.signal;
      timer = setTimeout(function () { ctl.abort(); }, opts.timeout);
    }
    return fetch(url, init).then(function (res) {
      return res.text().then(function (text) {
        clearTimeout(timer);
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { /* not JSON */ }
        if (res.ok) return res.status === 204 ? null : data;
        if (res.status === 401 && !/\/auth\/login$/.test(url) && M.onUnauthorized) M.onUnauthorized();
        // 502-504 (a proxy, a restarting hub): the hub is down, not the request wrong.
        throw new ApiError(res.status, data && data.error, res.status >= 502 && res.status <= 504);
      });
    }, function () {
      clearTimeout(timer);
      throw new ApiError(0, null, true);
    });
  };

  // live keeps a websocket open, for weeks. o.url() gives path and query; after
  // a snapshot the loop adds since=<seq>, so a reconnect replays what was
  // missed. o.message(msg) gets a snapshot always, other messages once (new
  // seq). o.state(open) follows the connection. After a loss it retries within
  // MAX_DELAY_MS, jittered so a hall's screens do not all knock at once: back a
  // few seconds after the hub. o.silenceMs reopens a connection silent that
  // long (half-open on flaky Wi-Fi); o.beforeRetry(n) may answer false
  // (or a promise of it) to stop.
  var MIN_DELAY_MS = 500, MAX_DELAY_MS = 4000;
  M.live = function (o) {
    var ws = null, timer = 0, attempt = 0, lastAt = 0, stopped = false, open = false;
    var L = { lastSeq: 0, haveSnapshot: false };

    function setOpen(v) {
      if (open === v) return;
      open = v;
      if (o.state) o.state(v);
    }

    function connect() {
      clearTimeout(timer);
      timer = 0;
      if (stopped || ws) return;
      var url = o.url();
      if (L.haveSnapshot) url += (url.indexOf('?') < 0 ? '?' : '&') + 'since=' + L.lastSeq;
      var sock;
      try {
        sock = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + url);
      } catch (e) {
        retry();
        return;
      }
      ws = sock;
      lastAt = Date.now();
      sock.onopen = function () { if (ws === sock) setOpen(true); };
      sock.onmessage = function (ev) {
        if (ws !== sock) return;
        lastAt = Date.now();
        attempt = 0;
        setOpen(true);
        var msg;
        try { msg = JSON.parse(ev.data); } catch (e) { return; }
        if (!msg || typeof msg !== 'object') return;
        if (msg.type === 'snapshot') {
          L.haveSnapshot = true;
          if (typeof msg.seq === 'number') L.lastSeq = msg.seq;
        } else if (typeof msg.seq === 'number') {
          if (msg.seq <= L.lastSeq) return; // seen before a reconnect
          L.lastSeq = msg.seq;
        }
        o.message(msg);
      };
      sock.onclose = function () {
        if (ws !== sock) return; // closed on purpose
        ws = null;
        setOpen(false);
        retry();
      };
    }

    function retry() {
      if (stopped || timer) return;
      var ceiling = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * Math.pow(2, attempt));
      attempt++;
      var n = attempt;
      timer = setTimeout(function () {
        var go = o.beforeRetry ? o.beforeRetry(n) : true;
        Promise.resolve(go).then(function (ok) {
          timer = 0;
          if (ok === false) { stopped = true; return; }
          connect();
        });
      }, ceiling / 2 + Math.random() * ceiling / 2);
    }

    // now reconnects at once; close stops for good.
    L.now = function () {
      stopped = false;
      attempt = 0;
      clearTimeout(timer);
      timer = 0;
      var sock = ws;
      ws = null;
      if (sock) { sock.close(); setOpen(false); }
      connect();
    };
    L.close = function () {
      stopped = true;
      clearTimeout(timer);
      var sock = ws;
      ws = null;
      if (sock) sock.close();
      setOpen(false);
    };
    Object.defineProperty(L, 'open', { get: function () { return !!ws && ws.readyState === 1; } });
    Object.defineProperty(L, 'attempts', { get: function () { return attempt; } });

    var watch = setInterval(function () {
      if (stopped) { clearInterval(watch); return; }
      if (!ws) return;
      // Drop one that never opens (a dead host) or is silent too long.
      if ((ws.readyState === 0 && Date.now() - lastAt > 10000) ||
          (o.silenceMs && ws.readyState === 1 && Date.now() - lastAt > o.silenceMs)) L.now();
    }, 5000);
    // Network back, or a phone woke up: no need to wait.
    function wake() { if (!stopped && !ws) L.now(); }
    window.addEventListener('online', wake);
    document.addEventListener('visibilitychange', function () { if (document.visibilityState === 'visible') wake(); });
    connect();
    return L;
  };
})();
