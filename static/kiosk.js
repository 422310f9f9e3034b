// Ticket kiosk: a portrait touch screen in the hall, used by people who may never
// have touched a computer. Vietnamese first, one big choice per screen, and it
// always finds its way back to the start screen by itself.
'use strict';
(function () {
  var IDLE_RESET_MS = 60000;   // any screen untouched this long goes back to the start
  var TICKET_SCREEN_MS = 20000; // the ticket stays on screen this long
  var REPRINT_MS = 30000;      // the last ticket can be printed again for this long, by its citizen
  var REFRESH_MS = 10000;      // waiting counts refresh
  var RETRY_MS = 4000;         // retry while the hub cannot be reached
  var REQUEST_TIMEOUT_MS = 10000;

  var TEXT = {
    vi: {
      offline_title: 'Hệ thống đang tạm gián đoạn, vui lòng chờ hoặc hỏi cán bộ hướng dẫn.',
      offline_body: 'Máy tạm thời chưa cấp số. Máy sẽ tự kết nối lại.',
      start_title: 'Chọn dịch vụ bạn cần',
      start_lead: 'Chạm vào tên dịch vụ để lấy số thứ tự.',
      search_label: 'Tìm dịch vụ',
      search_placeholder: 'Tìm dịch vụ, ví dụ: đất đai',
      search_clear: 'Xóa',
      no_match: 'Không tìm thấy dịch vụ phù hợp. Hãy thử từ khác hoặc hỏi cán bộ hướng dẫn.',
      loading: 'Đang tải danh sách dịch vụ…',
      other_field: 'Dịch vụ khác',
      waiting: function (n) { return 'Đang chờ: ' + n; },
      no_wait: 'Không phải chờ',
      about_min: function (m) { return 'Khoảng ' + m + ' phút'; },
      about_hour: function (h, m) { return 'Khoảng ' + h + ' giờ' + (m ? ' ' + m + ' phút' : ''); },
      closed: 'Hiện không nhận số',
      opens_at: function (when) { return 'Mở lại lúc ' + when; },
      on_day: function (time, day) { return time + ' ngày ' + day; },
      hours: function (h) { return 'Giờ làm việc: ' + h; },
      full: 'Đã hết số hôm nay',
      left_today: function (n) { return 'Còn ' + n + ' số hôm nay'; },
      chosen_service: 'Dịch vụ:',
      priority_title: 'Bạn có thuộc đối tượng ưu tiên không?',
      priority_none: 'Không',
      priority_none_hint: 'Lấy số thường',
      priority_groups_lead: 'Có, tôi là (vui lòng xuất trình giấy tờ khi được yêu cầu):',
      back: '‹ Quay lại',
      issuing: 'Đang in số thứ tự…',
      ticket_title: 'Số thứ tự của bạn',
      ticket_title_reactivated: 'Số của bạn đã được xếp lại vào hàng chờ',
      number_label: 'SỐ THỨ TỰ',
      priority_label: function (g) { return 'Ưu tiên: ' + g; },
      priority_plain: 'Ưu tiên',
      issued_label: 'Giờ lấy số',
      ahead_label: 'Số người chờ trước bạn',
      ahead_none: 'Không có – bạn là người tiếp theo',
      ahead: function (n) { return n + ' người'; },
      wait_label: 'Thời gian chờ dự kiến',
      scan: 'Quét mã QR để theo dõi lượt gọi và hồ sơ trên điện thoại',
      code_label: 'Mã tra cứu:',
      keep: 'Vui lòng giữ phiếu này cho đến khi hoàn thành thủ tục.',
      take_paper: 'Vui lòng lấy phiếu ở khe in bên dưới và chờ gọi số.',
      done: 'Xong',
      reprint: function (n) { return 'In lại phiếu ' + n; },
      reactivate_open: 'Kích hoạt lại số (khi bị lỡ lượt)',
      reactivate_title: 'Kích hoạt lại số thứ tự',
      reactivate_lead: 'Nếu bạn vắng mặt khi được gọi, hãy nhập mã tra cứu 6 ký tự in trên phiếu.',
      reactivate_label: 'Mã tra cứu 6 ký tự',
      reactivate_placeholder: 'Nhập 6 ký tự',
      reactivate_hint: 'Mã gồm 6 chữ cái và chữ số, in dưới mã QR trên phiếu (ví dụ: K7M2QX).',
      reactivate_submit: 'Kích hoạt lại',
      cancel: 'Hủy',
      back_to_start: 'Về màn hình chính',
      no_ticket: 'Chưa lấy được số',
      not_reactivated: 'Chưa kích hoạt lại được số',
      error_generic: 'Đã có lỗi. Vui lòng thử lại hoặc hỏi cán bộ hướng dẫn.',
      key_space: 'Dấu cách',
      key_back: '⌫ Xóa',
      key_hide: 'Ẩn bàn phím'
    },
    en: {
      offline_title: 'The system is temporarily unavailable. Please wait or ask a staff member for help.',
      offline_body: 'No numbers can be issued right now. The kiosk will reconnect by itself.',
      start_title: 'Choose the service you need',
      start_lead: 'Touch a service to get a queue number.',
      search_label: 'Search for a service',
      search_placeholder: 'Search, e.g. land',
      search_clear: 'Clear',
      no_match: 'No matching service. Try another word or ask a staff member.',
      loading: 'Loading services…',
      other_field: 'Other services',
      waiting: function (n) { return 'Waiting: ' + n; },
      no_wait: 'No wait',
      about_min: function (m) { return 'About ' + m + (m === 1 ? ' minute' : ' minutes'); },
      about_hour: function (h, m) { return 'About ' + h + ' h' + (m ? ' ' + m + ' min' : ''); },
      closed: 'Not taking numbers now',
      opens_at: function (when) { return 'Opens at ' + when; },
      on_day: function (time, day) { return time + ' on ' + day; },
      hours: function (h) { return 'Hours: ' + h; },
      full: 'No more numbers today',
      left_today: function (n) { return n + ' numbers left today'; },
      chosen_service: 'Service:',
      priority_title: 'Do you belong to a priority group?',
      priority_none: 'No',
      priority_none_hint: 'Get a regular number',
      priority_groups_lead: 'Yes, I am (please show proof if asked):',
      back: '‹ Back',
      issuing: 'Printing your number…',
      ticket_title: 'Your queue number',
      ticket_title_reactivated: 'Your number is back in the queue',
      number_label: 'QUEUE NUMBER',
      priority_label: function (g) { return 'Priority: ' + g; },
      priority_plain: 'Priority',
      issued_label: 'Issued at',
      ahead_label: 'People ahead of you',
      ahead_none: 'None – you are next',
      ahead: function (n) { return n === 1 ? '1 person' : n + ' people'; },
      wait_label: 'Estimated wait',
      scan: 'Scan the QR code to follow your turn and your dossier on your phone',
      code_label: 'Code:',
      keep: 'Please keep this ticket until your visit is complete.',
      take_paper: 'Please take your ticket from the slot below and wait to be called.',
      done: 'Done',
      reprint: function (n) { return 'Reprint ticket ' + n; },
      reactivate_open: 'Reactivate my number (missed my turn)',
      reactivate_title: 'Reactivate my number',
      reactivate_lead: 'If you were not there when called, type the 6-character code printed on your ticket.',
      reactivate_label: '6-character code',
      reactivate_placeholder: 'Type the 6 characters',
      reactivate_hint: '6 letters and digits, printed under the QR code on your ticket (for example: K7M2QX).',
      reactivate_submit: 'Reactivate',
      cancel: 'Cancel',
      back_to_start: 'Back to start',
      no_ticket: 'No number issued',
      not_reactivated: 'Number not reactivated',
      error_generic: 'Something went wrong. Please try again or ask a staff member.',
      key_space: 'Space',
      key_back: '⌫ Delete',
      key_hide: 'Hide keyboard'
    }
  };

  var state = {
    lang: 'vi',
    online: true,
    branch: null,
    services: null,        // last list from the hub
    groups: null,          // priority groups
    chosen: null,          // service picked on the start screen
    busy: false,           // a request that issues or changes a ticket is in flight
    lastTicket: null,
    lastTicketReactivated: false,
    lastTicketAt: 0,
    reprintable: false,    // the last ticket may still be printed again (see reprintOpen)
    message: null,         // {titleKey, text} shown on the message screen
    clockOffsetMs: 0,      // hub time minus this machine's time
    branchOffsetMin: 420   // UTC offset of the branch (Asia/Ho_Chi_Minh by default)
  };
  var timers = {};
  var lastTouchAt = 0;

  function $(sel) { return document.querySelector(sel); }

  function T(key) {
    var v = TEXT[state.lang][key];
    if (v === undefined) v = TEXT.vi[key];
    if (typeof v === 'function') return v.apply(null, Array.prototype.slice.call(arguments, 1));
    return v === undefined ? key : v;
  }

  // API messages are written "Vietnamese. / English."; show the half for the chosen language.
  function localMessage(msg) {
    if (!msg) return '';
    var parts = String(msg).split(' / ');
    if (parts.length === 2) return state.lang === 'en' ? parts[1] : parts[0];
    return msg;
  }

  // ---- Time: the hub's RFC 3339 strings already carry the branch offset, so read them as written.

  function branchNow() {
    var d = new Date(Date.now() + state.clockOffsetMs + state.branchOffsetMin * 60000);
    function p(n) { return (n < 10 ? '0' : '') + n; }
    return {
      day: d.getUTCFullYear() + '-' + p(d.getUTCMonth() + 1) + '-' + p(d.getUTCDate()),
      hm: p(d.getUTCHours()) + ':' + p(d.getUTCMinutes()),
      dmy: p(d.getUTCDate()) + '/' + p(d.getUTCMonth() + 1) + '/' + d.getUTCFullYear()
    };
  }

  function waitText(sec, waiting) {
    if (!(sec > 0)) return waiting ? '' : T('no_wait');
    var m = Math.ceil(sec / 60);
    if (m > 15) m = Math.ceil(m / 5) * 5; // a long estimate is not precise; do not pretend it is
    if (m >= 60) return T('about_hour', Math.floor(m / 60), m % 60);
    return T('about_min', m);
  }

  // ---- Talking to the hub (motcua.js): a hub that cannot be reached rejects with hubDown.

  function api(method, path, body) {
    return motcua.api(method, path, body, { timeout: REQUEST_TIMEOUT_MS });
  }

  function setOnline(online) {
    if (state.online === online) return;
    state.online = online;
    $('#offline-banner').hidden = online;
    document.body.classList.toggle('offline', !online);
    // Reactivation needs the hub as much as issuing does; a reprint does not.
    $('#reactivate-open').disabled = !online;
    renderServices();
  }

  function loadAll() {
    clearTimeout(timers.refresh);
    var first = [];
    if (!state.branch) first.push(api('GET', '/api/v1/branch').then(applyBranch));
    // The groups follow the hall description: an admin may change them live.
    first.push(api('GET', '/api/v1/priority-groups').then(function (g) {
      state.groups = Array.isArray(g) ? g : [];
    }));
    first.push(api('GET', '/api/v1/services').then(function (list) {
      state.services = Array.isArray(list) ? list : [];
    }));
    Promise.all(first).then(function () {
      setOnline(true);
      renderServicesQuietly();
      timers.refresh = setTimeout(loadAll, REFRESH_MS);
    }, function (err) {
      if (err && err.hubDown) setOnline(false);
      timers.refresh = setTimeout(loadAll, err && err.hubDown ? RETRY_MS : REFRESH_MS);
    });
  }

  function applyBranch(b) {
    state.branch = b || {};
    if (b && b.now) {
      var t = Date.parse(b.now);
      if (!isNaN(t)) state.clockOffsetMs = t - Date.now();
      var off = motcua.offset(b.now);
      if (off !== null) state.branchOffsetMin = off;
    }
    $('#center-name').textContent = state.branch.center_name || '';
    $('#branch-name').textContent = state.branch.name || '';
    tickClock();
  }

  function tickClock() {
    var n = branchNow();
    $('#clock').textContent = n.hm + '  ' + n.dmy;
  }

  // ---- Screens

  function showScreen(name) {
    var screens = document.querySelectorAll('main > .screen');
    for (var i = 0; i < screens.length; i++) screens[i].hidden = screens[i].id !== 'screen-' + name;
    document.body.setAttribute('data-screen', name);
    window.scrollTo(0, 0);
    clearTimeout(timers.ticketScreen);
    paperDone();
    $('#reactivate-open').hidden = name !== 'start';
    renderReprint();
  }

  // goStart(true) is for the next citizen: Vietnamese again. Going "back" keeps the language.
  function goStart(forNextCitizen) {
    state.chosen = null;
    state.busy = false;
    $('#search').value = '';
    $('#short-code').value = '';
    $('#search-keyboard').hidden = true;
    if (forNextCitizen && state.lang !== 'vi') { state.lang = 'vi'; applyLang(); } else renderServices();
    showScreen('start');
  }

  function showMessage(titleKey, text) {
    state.busy = false;
    state.message = { titleKey: titleKey, text: text };
    renderMessage();
    showScreen('message');
  }

  function renderMessage() {
    if (!state.message) return;
    $('#message-title').textContent = T(state.message.titleKey);
    $('#message-body').textContent = localMessage(state.message.text) || T('error_generic');
  }

  function failed(titleKey, err) {
    if (err && err.hubDown) {
      setOnline(false);
      clearTimeout(timers.refresh);
      timers.refresh = setTimeout(loadAll, RETRY_MS);
      showMessage(titleKey, T('offline_title'));
      return;
    }
    showMessage(titleKey, err && err.message);
  }

  // ---- Start screen: services grouped by field, filtered by the search box

  function serviceName(s) { return state.lang === 'en' && s.name_en ? s.name_en : s.name; }

  // English names of the fields (lĩnh vực) of the national catalogue, by
  // their folded Vietnamese names. A field not listed keeps its Vietnamese
  // name in English mode, marked as Vietnamese for screen readers.
  var FIELD_EN = {
    'tu phap': 'Justice', 'ho tich': 'Civil status', 'chung thuc': 'Certification',
    'tai nguyen va moi truong': 'Natural resources and environment', 'dat dai': 'Land',
    'ke hoach va dau tu': 'Planning and investment', 'dang ky kinh doanh': 'Business registration',
    'xay dung': 'Construction', 'lao dong – thuong binh va xa hoi': 'Labour, invalids and social affairs',
    'lao dong - thuong binh va xa hoi': 'Labour, invalids and social affairs',
    'lao dong, thuong binh va xa hoi': 'Labour, invalids and social affairs',
    'van hoa, the thao va du lich': 'Culture, sports and tourism', 'giao thong van tai': 'Transport',
    'y te': 'Health', 'giao duc va dao tao': 'Education and training', 'cong thuong': 'Industry and trade',
    'noi vu': 'Home affairs', 'tai chinh': 'Finance', 'thong tin va truyen thong': 'Information and communications',
    'nong nghiep va phat trien nong thon': 'Agriculture and rural development',
    'nong nghiep va moi truong': 'Agriculture and environment', 'noi vu; y te': 'Home affairs; Health', 'khoa hoc va cong nghe': 'Science and technology',
    'thue': 'Taxes', 'bao hiem xa hoi': 'Social insurance', 'cu tru': 'Residence', 'dan toc': 'Ethnic affairs',
    'thanh tra': 'Inspection', 'ngoai vu': 'Foreign affairs', 'quoc phong': 'Defence', 'cong an': 'Public security'
  };

  function fieldHeading(h, field) {
    var en = state.lang === 'en' && field ? FIELD_EN[motcua.fold(field)] : null;
    h.textContent = en || field || T('other_field');
    if (state.lang === 'en' && field && !en) h.lang = 'vi';
  }

  function serviceFull(s) { return s.daily_cap > 0 && s.issued_today >= s.daily_cap; }

  function closedText(s) {
    var lines = [];
    if (serviceFull(s)) lines.push(T('full'));
    else lines.push(T('closed'));
    var at = motcua.time(s.opens_at);
    if (at) {
      var when = at.h + ':' + at.mi;
      if (at.day !== branchNow().day) when = T('on_day', when, at.d + '/' + at.mo);
      lines.push(T('opens_at', when));
    }
    if (s.hours && s.hours.length) {
      // word joiners keep "07:30–11:30" on one line
      lines.push(T('hours', s.hours.map(function (h) { return h.from + '\u2060–\u2060' + h.to; }).join(', ')));
    }
    return lines.join(' · ');
  }

  function matches(s, query) {
    return motcua.matches([s.name, s.name_en, s.field, s.code], query);
  }

  function renderServices() {
    var box = $('#services');
    $('#services-loading').hidden = state.services !== null;
    if (state.services === null) return;
    var query = $('#search').value;
    $('#search-clear').hidden = !$('#search').value;
    var groups = [], byField = {};
    state.services.forEach(function (s) {
      if (!matches(s, query)) return;
      var f = s.field || '';
      if (!byField[f]) { byField[f] = []; groups.push(f); }
      byField[f].push(s);
    });
    var frag = document.createDocumentFragment();
    groups.forEach(function (f) {
      var sec = document.createElement('section');
      sec.className = 'field';
      var h = document.createElement('h2');
      fieldHeading(h, f);
      sec.appendChild(h);
      byField[f].forEach(function (s) { sec.appendChild(serviceButton(s)); });
      frag.appendChild(sec);
    });
    box.textContent = '';
    box.appendChild(frag);
    $('#services-empty').hidden = groups.length > 0;
  }

  // A refresh rebuilds the buttons; never under a finger that is pressing one.
  function renderServicesQuietly() {
    if (Date.now() - lastTouchAt < 1000) {
      clearTimeout(timers.quietRender);
      timers.quietRender = setTimeout(renderServicesQuietly, 1000);
      return;
    }
    renderServices();
  }

  function serviceButton(s) {
    var open = s.open !== false && !serviceFull(s);
    var b = document.createElement('button');
    b.type = 'button';
    b.className = 'service' + (open ? '' : ' closed');
    b.setAttribute('data-service-id', s.id);
    b.disabled = !open || !state.online;
    var name = document.createElement('span');
    name.className = 'service-name';
    name.textContent = serviceName(s);
    b.appendChild(name);
    var meta = document.createElement('span');
    meta.className = 'service-meta';
    if (open) {
      var waiting = s.waiting || 0;
      addPart(meta, 'waiting', T('waiting', waiting));
      addPart(meta, 'wait', waitText(s.est_wait_s, waiting));
      if (s.daily_cap > 0) addPart(meta, 'left', T('left_today', Math.max(0, s.daily_cap - (s.issued_today || 0))));
    } else {
      addPart(meta, 'closed-note', closedText(s));
    }
    b.appendChild(meta);
    return b;
  }

  function addPart(parent, cls, text) {
    if (!text) return;
    var span = document.createElement('span');
    span.className = cls;
    span.textContent = text;
    parent.appendChild(span);
  }

  function chooseService(id) {
    if (!state.online || state.busy || !state.services) return;
    var s = state.services.filter(function (x) { return String(x.id) === String(id); })[0];
    if (!s || s.open === false || serviceFull(s)) return;
    state.chosen = s;
    $('#search-keyboard').hidden = true;
    if (state.groups && state.groups.length === 0) { issue(''); return; } // this center has no priority groups
    renderPriority();
    showScreen('priority');
  }

  // ---- Priority question

  function renderPriority() {
    if (state.chosen) $('#chosen-service').textContent = serviceName(state.chosen);
    var box = $('#priority-groups');
    box.textContent = '';
    (state.groups || []).forEach(function (g) {
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'priority-group';
      b.setAttribute('data-group', g.code);
      b.textContent = state.lang === 'en' && g.en ? g.en : g.vi;
      box.appendChild(b);
    });
  }

  function groupName(code) {
    var g = (state.groups || []).filter(function (x) { return x.code === code; })[0];
    if (!g) return '';
    return state.lang === 'en' && g.en ? g.en : g.vi;
  }

  // ---- Issuing and printing

  function issue(groupCode) {
    if (state.busy || !state.chosen) return;
    state.busy = true;
    showScreen('issuing');
    var body = { service_id: state.chosen.id, priority: !!groupCode };
    if (groupCode) body.priority_group = groupCode;
    api('POST', '/api/v1/tickets', body).then(function (ticket) {
      state.busy = false;
      if (!ticket.service_name) ticket.service_name = state.chosen.name;
      if (!ticket.service_name_en) ticket.service_name_en = state.chosen.name_en;
      if (groupCode && !ticket.priority_group) ticket.priority_group = groupCode;
      rememberTicket(ticket, false);
      showTicketScreen();
      printWhenReady();
      loadAll(); // the waiting counts just changed
    }, function (err) { failed('no_ticket', err); });
  }

  function rememberTicket(ticket, reactivated) {
    state.lastTicket = ticket;
    state.lastTicketReactivated = reactivated;
    state.lastTicketAt = Date.now();
    state.reprintable = true;
    renderTicket();
    clearTimeout(timers.reprint);
    timers.reprint = setTimeout(renderReprint, REPRINT_MS + 50);
  }

  function showTicketScreen() {
    showScreen('ticket');
    timers.ticketScreen = setTimeout(function () {
      state.reprintable = false; // nobody pressed "Xong": the citizen has gone
      goStart(true);
    }, TICKET_SCREEN_MS);
  }

  function setText(id, text) { document.getElementById(id).textContent = text; }

  function renderTicket() {
    var t = state.lastTicket;
    if (!t) return;
    var b = state.branch || {};
    setText('ticket-title', T(state.lastTicketReactivated ? 'ticket_title_reactivated' : 'ticket_title'));
    setText('ticket-center', b.center_name || '');
    setText('ticket-branch', b.name || '');
    setText('ticket-number-label', T('number_label'));
    setText('ticket-number', t.number);
    var pr = $('#ticket-priority');
    pr.hidden = !t.priority;
    pr.textContent = t.priority_group && groupName(t.priority_group)
      ? T('priority_label', groupName(t.priority_group)) : T('priority_plain');
    var svc = t.service_name || '';
    if (state.lang === 'en' && t.service_name_en && t.service_name_en !== svc) svc = t.service_name_en + ' (' + svc + ')';
    setText('ticket-service', svc);
    var at = motcua.time(t.issued_at);
    setText('ticket-issued-label', T('issued_label'));
    setText('ticket-issued', at ? at.h + ':' + at.mi + '  ' + at.d + '/' + at.mo + '/' + at.y : '');
    setText('ticket-ahead-label', T('ahead_label'));
    setText('ticket-ahead', t.position > 0 ? T('ahead', t.position) : T('ahead_none'));
    setText('ticket-wait-label', T('wait_label'));
    setText('ticket-wait', waitText(t.est_wait_s, t.position) || '—');
    var qr = $('#ticket-qr');
    var src = t.svg_url || t.qr_url || '';
    if (qr.getAttribute('src') !== src) qr.setAttribute('src', src);
    qr.alt = 'QR';
    setText('ticket-scan', T('scan'));
    setText('ticket-code-label', T('code_label'));
    setText('ticket-short-code', t.short_code || '');
    setText('ticket-keep', T('keep'));
  }

  // Print only once the QR has loaded, or the paper would carry an empty square.
  function printWhenReady() {
    var img = $('#ticket-qr');
    var done = false;
    function go() {
      if (done) return;
      done = true;
      setTimeout(printTicket, 100);
    }
    if (img.complete && img.naturalWidth) { go(); return; }
    img.addEventListener('load', go, { once: true });
    img.addEventListener('error', go, { once: true });
    setTimeout(go, 3000);
  }

  function printTicket() {
    preparePaper();
    window.print(); // Chromium returns once the page is spooled (silently with --kiosk-printing)
    paperDone();
  }

  // preparePaper lays the ticket out at paper size and fixes the page length to
  // it, so a thermal roll feeds exactly one ticket. Chromium ignores "size: 80mm auto".
  function preparePaper() {
    var root = document.documentElement;
    root.classList.add('printing');
    var h = $('#ticket-print').getBoundingClientRect().height;
    var style = document.getElementById('page-size');
    if (!style) {
      style = document.createElement('style');
      style.id = 'page-size';
      document.head.appendChild(style);
    }
    if (h > 0) style.textContent = '@page { size: 80mm ' + Math.ceil(h * 25.4 / 96 + 2) + 'mm; margin: 0; }';
  }

  function paperDone() {
    document.documentElement.classList.remove('printing');
  }

  // "In lại phiếu" is for the citizen who just took the ticket and found no
  // paper: on the ticket screen, and on the start screen right after "Xong",
  // for REPRINT_MS at most. The next person's first touch ends it, as does
  // the ticket screen timing out (its citizen left) or the idle reset.
  function reprintOpen() {
    return !!state.lastTicket && state.reprintable && Date.now() - state.lastTicketAt < REPRINT_MS;
  }

  function endReprint() {
    if (!state.reprintable) return;
    state.reprintable = false;
    renderReprint();
  }

  function renderReprint() {
    var b = $('#reprint');
    var screen = document.body.getAttribute('data-screen');
    b.hidden = !(reprintOpen() && (screen === 'start' || screen === 'ticket'));
    if (state.lastTicket) b.textContent = T('reprint', state.lastTicket.number);
  }

  // ---- Reactivating a no-show ticket

  function openReactivate() {
    $('#short-code').value = '';
    updateCode();
    showScreen('reactivate');
  }

  function updateCode() {
    var input = $('#short-code');
    var clean = input.value.toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 6);
    if (input.value !== clean) input.value = clean;
    $('#reactivate-submit').disabled = clean.length !== 6;
  }

  function reactivate() {
    var code = $('#short-code').value;
    if (code.length !== 6 || state.busy) return;
    state.busy = true;
    api('POST', '/api/v1/tickets/reactivate', { short_code: code }).then(function (ticket) {
      state.busy = false;
      rememberTicket(ticket, true);
      showTicketScreen();
    }, function (err) { failed('not_reactivated', err); });
  }

  // ---- On-screen keyboard: a kiosk has no physical keyboard

  var KEY_ROWS = ['1234567890', 'QWERTYUIOP', 'ASDFGHJKL', 'ZXCVBNM'];

  function buildKeyboard(box, input, withSpace, onChange) {
    box.textContent = '';
    KEY_ROWS.forEach(function (row, i) {
      var r = document.createElement('div');
      r.className = 'key-row';
      row.split('').forEach(function (ch) { r.appendChild(key(ch, ch, 'key')); });
      if (i === KEY_ROWS.length - 1) r.appendChild(key('back', '', 'key key-wide key-back'));
      box.appendChild(r);
    });
    if (withSpace) {
      var last = document.createElement('div');
      last.className = 'key-row';
      last.appendChild(key('space', '', 'key key-space'));
      last.appendChild(key('hide', '', 'key key-wide key-hide'));
      box.appendChild(last);
    }
    box.addEventListener('click', function (e) {
      var k = e.target.closest('button[data-key]');
      if (!k) return;
      var v = k.getAttribute('data-key');
      if (v === 'hide') { box.hidden = true; return; }
      if (v === 'back') input.value = input.value.slice(0, -1);
      else if (v === 'space') input.value += ' ';
      else input.value += withSpace ? v.toLowerCase() : v;
      onChange();
    });
    function key(value, label, cls) {
      var b = document.createElement('button');
      b.type = 'button';
      b.className = cls;
      b.setAttribute('data-key', value);
      b.textContent = label;
      return b;
    }
  }

  function labelKeys() {
    var keys = document.querySelectorAll('.key-back, .key-space, .key-hide');
    for (var i = 0; i < keys.length; i++) {
      var k = keys[i].getAttribute('data-key');
      keys[i].textContent = T(k === 'back' ? 'key_back' : k === 'space' ? 'key_space' : 'key_hide');
    }
  }

  // ---- Language

  function applyLang() {
    var lang = state.lang;
    document.documentElement.lang = lang;
    var els = document.querySelectorAll('[data-i18n]');
    for (var i = 0; i < els.length; i++) els[i].textContent = T(els[i].getAttribute('data-i18n'));
    els = document.querySelectorAll('[data-i18n-placeholder]');
    for (i = 0; i < els.length; i++) els[i].placeholder = T(els[i].getAttribute('data-i18n-placeholder'));
    var toggle = $('#lang-toggle');
    toggle.textContent = lang === 'vi' ? 'English' : 'Tiếng Việt';
    toggle.lang = lang === 'vi' ? 'en' : 'vi';
    document.title = lang === 'vi' ? 'Lấy số thứ tự – Kiosk' : 'Get a queue number – Kiosk';
    labelKeys();
    renderServices();
    renderPriority();
    renderTicket();
    renderReprint();
    renderMessage();
  }

  // ---- Idle: whatever happened, an untouched kiosk goes back to a clean start screen

  function resetIdle() {
    lastTouchAt = Date.now();
    clearTimeout(timers.idle);
    timers.idle = setTimeout(function () {
      endReprint();
      var clean = document.body.getAttribute('data-screen') === 'start' && !$('#search').value &&
        state.lang === 'vi' && $('#search-keyboard').hidden;
      if (!clean) goStart(true);
      resetIdle();
    }, IDLE_RESET_MS);
  }

  // ---- Wiring

  function init() {
    applyLang();
    buildKeyboard($('#search-keyboard'), $('#search'), true, renderServices);
    buildKeyboard($('#code-keyboard'), $('#short-code'), false, updateCode);
    labelKeys();

    ['pointerdown', 'keydown', 'input', 'touchstart'].forEach(function (ev) {
      document.addEventListener(ev, resetIdle, { capture: true, passive: true });
    });
    // On the start screen, a touch anywhere but on "In lại phiếu" is the next person's.
    ['pointerdown', 'keydown'].forEach(function (ev) {
      document.addEventListener(ev, function (e) {
        if (document.body.getAttribute('data-screen') !== 'start') return;
        if (e.target && e.target.closest && e.target.closest('#reprint')) return;
        endReprint();
      }, { capture: true, passive: true });
    });
    $('#lang-toggle').addEventListener('click', function () {
      state.lang = state.lang === 'vi' ? 'en' : 'vi';
      applyLang();
    });
    $('#search').addEventListener('input', renderServices);
    $('#search').addEventListener('focus', function () { $('#search-keyboard').hidden = false; });
    $('#search').addEventListener('click', function () { $('#search-keyboard').hidden = false; });
    $('#search-clear').addEventListener('click', function () {
      $('#search').value = '';
      renderServices();
    });
    $('#services').addEventListener('click', function (e) {
      var b = e.target.closest('button.service');
      if (b && !b.disabled) chooseService(b.getAttribute('data-service-id'));
    });
    $('#priority-none').addEventListener('click', function () { issue(''); });
    $('#priority-groups').addEventListener('click', function (e) {
      var b = e.target.closest('button.priority-group');
      if (b) issue(b.getAttribute('data-group'));
    });
    $('#reprint').addEventListener('click', function () {
      if (!reprintOpen()) { renderReprint(); return; }
      renderTicket();
      printTicket();
    });
    $('#reactivate-open').addEventListener('click', openReactivate);
    $('#short-code').addEventListener('input', updateCode);
    $('#short-code').addEventListener('keydown', function (e) { if (e.key === 'Enter') reactivate(); });
    $('#reactivate-submit').addEventListener('click', reactivate);
    document.addEventListener('click', function (e) {
      var b = e.target.closest('[data-action]');
      if (!b) return;
      var action = b.getAttribute('data-action');
      if (action === 'home') goStart(false);
      if (action === 'done') goStart(true);
      if (action === 'back') showScreen('start');
    });

    window.addEventListener('beforeprint', preparePaper);
    window.addEventListener('afterprint', paperDone);

    setInterval(tickClock, 15000);
    tickClock();
    resetIdle();
    loadAll();
  }

  init();

  // Hook for other kiosk scripts (kiosk-checkin.js, online bookings): show
  // and print a ticket the hub issued to them, like one issued here.
  motcua.kioskTicket = function (ticket) {
    clearTimeout(timers.ticketScreen);
    rememberTicket(ticket, false);
    showTicketScreen();
    printWhenReady();
    loadAll();
  };
  motcua.kioskLang = function () { return state.lang; };
})();
