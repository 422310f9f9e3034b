// Counter workstation (quầy tiếp nhận): one officer, one counter, all day.
// Plain script, no build step. Commands go over HTTP; the live state (current
// ticket, queue) comes from /ws/counter/{id}. Every text from the server is
// put in the page with textContent, never as HTML.
'use strict';

(function () {
  const USER_KEY = 'motcua.user';
  const COUNTER_KEY = 'motcua.counter';
  const QUEUE_REFRESH_MS = 300; // debounce for GET /queue after bursts of events

  // Ticket status labels come from motcua.js; this page adds "no ticket yet".
  const STATUS = Object.assign({ none: ['Chưa gọi', 'None'] }, motcua.TICKET_STATUS);

  // Used until GET /api/v1/priority-groups answers (same list as the hub).
  const DEFAULT_PRIORITY_GROUPS = [
    { code: 'elderly', vi: 'Người cao tuổi', en: 'Elderly' },
    { code: 'disability', vi: 'Người khuyết tật', en: 'Person with a disability' },
    { code: 'pregnant', vi: 'Phụ nữ mang thai', en: 'Pregnant woman' },
    { code: 'meritorious', vi: 'Người có công với cách mạng', en: 'Person with meritorious service' },
    { code: 'small_child', vi: 'Người đi cùng trẻ em dưới 6 tuổi', en: 'With a child under 6' },
  ];

  const FKEYS = { F1: 'next', F2: 'recall', F3: 'start', F4: 'finish', F6: 'noshow', F7: 'transfer', F8: 'callNumber' };
  const LETTERS = { n: 'next', r: 'recall', s: 'start', f: 'finish', v: 'noshow', t: 'transfer', g: 'callNumber' };
  const BUTTONS = {
    next: 'btn-next', recall: 'btn-recall', start: 'btn-start', finish: 'btn-finish',
    noshow: 'btn-noshow', transfer: 'btn-transfer', callNumber: 'btn-call-number',
  };

  const state = {
    user: readJSON(sessionStorage.getItem(USER_KEY)),
    counters: [],
    services: new Map(), // id → service
    priorityGroups: new Map(DEFAULT_PRIORITY_GROUPS.map((g) => [g.code, g])),
    counter: null,
    current: null, // the ticket at this counter (kept after it ends, so the officer sees what happened)
    waiting: {}, // service_id → n, branch-wide, from snapshot and queue events
    queue: [], // waiting tickets for this counter, in call order
    busy: false, // a command is in flight: no second one until it answers
    clockOffset: 0, // server time minus browser time
    noShowMinCalls: 0, // calls before the hub accepts a no-show (GET /branch)
    live: null, // the websocket loop (motcua.js)
    queueTimer: 0,
    queueKnown: false, // the server has told us the queue at least once for this counter
    previousTotal: null, // waiting total last rendered, to notice "empty → someone waits"
  };

  const $ = (id) => document.getElementById(id);

  function readJSON(text) {
    try { return text ? JSON.parse(text) : null; } catch (_) { return null; }
  }

  // ---------- HTTP (motcua.js) ----------

  const api = motcua.api;
  const signedIn = () => !!motcua.session.token;

  // ---------- views ----------

  function showView(name) {
    for (const v of ['login', 'pick', 'work']) $('view-' + v).hidden = v !== name;
    const signedIn = name !== 'login';
    $('user-name').hidden = !signedIn;
    $('btn-logout').hidden = !signedIn;
    $('topbar-counter').hidden = name !== 'work';
    if (name !== 'work') $('conn-mark').hidden = true;
  }

  function setStatus(text, kind) {
    const line = $('status-line');
    line.textContent = text || '';
    line.dataset.kind = kind || 'info';
  }

  function showLogin(message) {
    disconnect();
    showView('login');
    $('login-error').textContent = message || '';
    $('login-password').value = '';
    $('login-username').focus();
  }

  function sessionExpired() {
    if (!signedIn()) return;
    state.user = null;
    motcua.session.clear();
    sessionStorage.removeItem(USER_KEY);
    showLogin('Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại. / Your session has expired, please sign in again.');
    setStatus('');
  }

  // ---------- login ----------

  async function onLogin(ev) {
    ev.preventDefault();
    const submit = $('login-submit');
    if (submit.disabled) return;
    submit.disabled = true;
    try {
      const login = await motcua.signIn();
      if (!login) return;
      state.user = login.user;
      sessionStorage.setItem(USER_KEY, JSON.stringify(state.user));
      await afterLogin();
    } catch (err) {
      $('login-error').textContent = err.message;
    } finally {
      submit.disabled = false;
    }
  }

  async function onLogout() {
    try { await api('POST', '/auth/logout'); } catch (_) { /* signing out locally is what matters */ }
    motcua.session.clear();
    state.user = null;
    sessionStorage.removeItem(USER_KEY);
    state.counter = null;
    setStatus('Đã đăng xuất. / Signed out.');
    showLogin();
  }

  function renderUser() {
    const u = state.user || {};
    $('user-name').textContent = (u.full_name || u.username || '') + (u.role ? ' · ' + u.role : '');
  }

  async function afterLogin() {
    renderUser();
    // Reference data: a failure here degrades names, it does not stop the work.
    const [counters] = await Promise.all([
      api('GET', '/counters'),
      api('GET', '/services').then((list) => {
        state.services = new Map((list || []).map((s) => [s.id, s]));
      }).catch(() => {}),
      api('GET', '/priority-groups').then((list) => {
        if (Array.isArray(list) && list.length) state.priorityGroups = new Map(list.map((g) => [g.code, g]));
      }).catch(() => {}),
      api('GET', '/branch').then((b) => {
        const now = b && Date.parse(b.now);
        if (now) state.clockOffset = now - Date.now();
        if (b && Number.isInteger(b.no_show_min_calls)) state.noShowMinCalls = b.no_show_min_calls;
      }).catch(() => {}),
    ]);
    state.counters = Array.isArray(counters) ? counters : [];
    renderCounterChoices();

    const wanted = new URLSearchParams(location.search).get('counter') || localStorage.getItem(COUNTER_KEY);
    const chosen = state.counters.find((c) => String(c.id) === String(wanted));
    if (chosen) selectCounter(chosen);
    else showView('pick');
  }

  // ---------- choosing a counter ----------

  function serviceName(id) {
    const s = state.services.get(id);
    return s ? s.name : 'Dịch vụ ' + id;
  }

  function renderCounterChoices() {
    const box = $('counter-select');
    box.replaceChildren();
    const last = localStorage.getItem(COUNTER_KEY);
    for (const c of state.counters) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'btn counter-choice';
      b.dataset.counterId = c.id;
      if (String(c.id) === last) b.classList.add('last-used');
      const num = el('span', 'choice-number', 'Quầy ' + c.number);
      const name = el('span', 'choice-name', (c.name || '').replace(COUNTER_PREFIX, ''));
      const svc = el('span', 'choice-services', (c.service_ids || []).map(serviceName).join(' · '));
      b.append(num, name, svc);
      b.setAttribute('aria-label', `${counterLabel(c)} (Counter ${c.number})`);
      b.addEventListener('click', () => selectCounter(c));
      box.append(b);
    }
    if (!state.counters.length) {
      box.append(el('p', 'muted', 'Chưa có quầy nào được cấu hình. / No counters are configured.'));
    }
  }

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function selectCounter(c) {
    disconnect();
    state.counter = c;
    state.current = null;
    state.waiting = {};
    state.queue = [];
    state.queueKnown = false;
    state.previousTotal = null;
    localStorage.setItem(COUNTER_KEY, String(c.id));
    if (c.current_ticket && typeof c.current_ticket === 'object') state.current = c.current_ticket;
    renderCounterTitle();
    showView('work');
    setStatus('Đã chọn quầy ' + c.number + '. / Counter ' + c.number + ' selected.');
    renderAll();
    connect();
    refreshQueue(); // also covers a hub that is slow to send the snapshot
  }

  // Halls often name counters "Quầy 1 – Hộ tịch" already; do not say "Quầy 1" twice.
  const COUNTER_PREFIX = /^\s*quầy\s*\d+\s*[–:-]?\s*/i;

  function counterLabel(c) {
    if (!c.name) return 'Quầy ' + c.number;
    return COUNTER_PREFIX.test(c.name) ? c.name : `Quầy ${c.number} – ${c.name}`;
  }

  function renderCounterTitle() {
    $('counter-title').textContent = state.counter ? counterLabel(state.counter) : '';
  }

  function onChangeCounter() {
    disconnect();
    state.counter = null;
    renderCounterChoices();
    showView('pick');
    setStatus('');
  }

  // ---------- websocket ----------

  function connect() {
    const c = state.counter;
    if (!c || !signedIn()) return;
    state.live = motcua.live({
      url: () => `/ws/counter/${c.id}?token=${encodeURIComponent(motcua.session.token)}`,
      message: handleMessage,
      state: setConnected,
      // A websocket cannot tell us "401"; ask HTTP, which can. The hub
      // closes the screens of a user whose sessions ended (issue 12), so
      // asking at once shows the login form at once.
      beforeRetry: async () => {
        try { await api('GET', '/auth/me'); } catch (_) { /* 401 is handled by onUnauthorized */ }
        return !!state.counter && signedIn();
      },
    });
  }

  function disconnect() {
    clearTimeout(state.queueTimer);
    if (state.live) state.live.close();
    state.live = null;
    $('conn-mark').hidden = true;
  }

  function setConnected(ok) {
    $('conn-mark').hidden = ok;
  }

  function handleMessage(msg) {
    if (msg.type === 'snapshot') {
      applySnapshot(msg);
      return;
    }
    switch (msg.type) {
      case 'queue':
        if (msg.waiting) Object.assign(state.waiting, msg.waiting);
        scheduleQueueRefresh();
        renderQueue();
        break;
      case 'ticket':
        if (msg.ticket) applyTicketEvent(msg.ticket);
        scheduleQueueRefresh();
        break;
      case 'call':
        applyCallEvent(msg);
        scheduleQueueRefresh();
        break;
      case 'hall':
        reloadHall();
        break;
      default:
        break; // dossier and future events are not this page's business yet
    }
  }

  // reloadHall follows a change of the hall's configuration (issue 12): the
  // services' and priority groups' names, the counters to choose from, and
  // this counter's own services and name. A counter that was retired sends
  // the officer back to choosing one.
  async function reloadHall() {
    try {
      const [counters, services, groups] = await Promise.all([
        api('GET', '/counters'), api('GET', '/services'), api('GET', '/priority-groups')]);
      state.services = new Map((services || []).map((s) => [s.id, s]));
      if (Array.isArray(groups) && groups.length) state.priorityGroups = new Map(groups.map((g) => [g.code, g]));
      state.counters = Array.isArray(counters) ? counters : [];
      renderCounterChoices();
      const c = state.counter;
      if (!c) return;
      const mine = state.counters.find((x) => x.id === c.id);
      if (!mine) {
        disconnect();
        state.counter = null;
        showView('pick');
        setStatus('Quầy ' + c.number + ' đã ngừng hoạt động; hãy chọn quầy khác. / Counter ' + c.number + ' was retired; choose another.', 'error');
        return;
      }
      state.counter = Object.assign({}, c, mine);
      renderCounterTitle();
      renderAll();
      scheduleQueueRefresh();
    } catch (_) { /* names stay as they were; the next change tries again */ }
  }

  function applySnapshot(msg) {
    if (msg.counter) {
      state.counter = Object.assign({}, state.counter, msg.counter);
      renderCounterTitle();
    }
    state.current = msg.current_ticket || (state.current && isFinished(state.current) ? state.current : null);
    state.waiting = Object.assign({}, msg.waiting || {});
    if (Array.isArray(msg.queue)) {
      state.queue = msg.queue;
      state.queueKnown = true;
    } else {
      scheduleQueueRefresh();
    }
    renderAll();
  }

  function ticketCounterID(t) {
    if (t.counter && typeof t.counter === 'object') return t.counter.id;
    return t.counter_id == null ? null : t.counter_id;
  }

  function isFinished(t) {
    return !['called', 'serving'].includes(t.status);
  }

  function applyTicketEvent(t) {
    const cur = state.current;
    const here = state.counter && ticketCounterID(t) === state.counter.id;
    if (cur && cur.id === t.id) {
      const elsewhere = ticketCounterID(t) != null && !here;
      if (elsewhere) return; // another counter has it now; our part is over
      if (cur.status === 'transferred' && t.status === 'waiting') return;
      state.current = Object.assign({}, cur, t);
    } else if (here && (t.status === 'called' || t.status === 'serving')) {
      state.current = t;
    } else {
      return;
    }
    renderCurrent();
    renderButtons();
  }

  function applyCallEvent(msg) {
    if (!state.counter || !msg.counter || msg.counter.id !== state.counter.id || !msg.ticket) return;
    const cur = state.current;
    if (cur && cur.id === msg.ticket.id) return; // our own call or a recall; the ticket event carries details
    state.current = Object.assign({}, msg.ticket, { status: 'called', called_at: msg.at, calls: 1 });
    renderCurrent();
    renderButtons();
  }

  function scheduleQueueRefresh() {
    clearTimeout(state.queueTimer);
    state.queueTimer = setTimeout(refreshQueue, QUEUE_REFRESH_MS);
  }

  async function refreshQueue() {
    const c = state.counter;
    if (!c) return;
    try {
      const list = await api('GET', `/counters/${c.id}/queue`);
      if (state.counter !== c && (!state.counter || state.counter.id !== c.id)) return;
      state.queue = Array.isArray(list) ? list : [];
      state.queueKnown = true;
      renderQueue();
      renderButtons();
    } catch (_) { /* the next event tries again */ }
  }

  // After a refused move our picture may be stale: ask the hub what this counter holds.
  async function refreshCounter() {
    const c = state.counter;
    if (!c) return;
    try {
      const list = await api('GET', '/counters');
      const mine = (list || []).find((x) => x.id === c.id);
      if (mine && mine.current_ticket && typeof mine.current_ticket === 'object') {
        state.current = mine.current_ticket;
      } else if (mine && !mine.current_ticket && state.current && !isFinished(state.current)) {
        state.current = null;
      }
      renderCurrent();
      renderButtons();
    } catch (_) { /* keep what we have */ }
    scheduleQueueRefresh();
  }

  // ---------- sound ----------

  function ding() {
    const audio = $('ding');
    const fallback = () => synthDing();
    try {
      audio.currentTime = 0;
      const p = audio.play();
      if (p && p.catch) p.catch((err) => { if (err && err.name === 'NotSupportedError') fallback(); });
    } catch (_) {
      fallback();
    }
  }

  // Two soft sine notes, for browsers that cannot play the file.
  function synthDing() {
    const AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return;
    const ctx = new AC();
    [[659.25, 0], [523.25, 0.45]].forEach(([freq, at]) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, ctx.currentTime + at);
      gain.gain.exponentialRampToValueAtTime(0.25, ctx.currentTime + at + 0.01);
      gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + at + 0.8);
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + at);
      osc.stop(ctx.currentTime + at + 0.85);
    });
    setTimeout(() => ctx.close(), 1500);
  }

  // ---------- rendering ----------

  function now() { return Date.now() + state.clockOffset; }

  function clock(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const ss = String(s % 60).padStart(2, '0');
    return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
  }

  function minutesSince(iso) {
    const t = Date.parse(iso);
    if (!t) return null;
    return Math.max(0, Math.floor((now() - t) / 60000));
  }

  function waitedText(iso) {
    const m = minutesSince(iso);
    if (m === null) return '';
    if (m < 1) return '< 1 phút';
    if (m < 60) return m + ' phút';
    return Math.floor(m / 60) + ' giờ ' + (m % 60) + ' phút';
  }

  function priorityText(t) {
    if (!t || !t.priority) return '';
    const g = t.priority_group && state.priorityGroups.get(t.priority_group);
    return g ? `Ưu tiên · ${g.vi}` : 'Ưu tiên';
  }

  function renderAll() {
    renderCurrent();
    renderQueue();
    renderButtons();
  }

  function renderCurrent() {
    const t = state.current;
    const status = t ? t.status : 'none';
    $('current').dataset.status = status;
    $('current-number').textContent = t ? t.number : '';
    $('current-number').hidden = !t;
    $('current-empty').hidden = !!t;
    const chip = $('current-status');
    chip.dataset.status = status;
    const [vi, en] = STATUS[status] || [status, status];
    chip.replaceChildren(document.createTextNode(vi + ' '), el('span', 'en', en));

    const svc = $('current-service');
    svc.replaceChildren();
    if (t) {
      const s = state.services.get(t.service_id);
      svc.append(document.createTextNode(t.service_name || (s && s.name) || serviceName(t.service_id)));
      if (t.status === 'transferred' && t.transferred_to) {
        svc.append(el('span', 'en', '→ ' + serviceName(t.transferred_to)));
      }
    } else {
      svc.textContent = '—';
    }
    $('current-calls').textContent = t && typeof t.calls === 'number' ? String(t.calls) : '—';

    const prio = $('current-priority');
    prio.hidden = !(t && t.priority);
    if (t && t.priority) {
      const g = t.priority_group && state.priorityGroups.get(t.priority_group);
      prio.replaceChildren(document.createTextNode(priorityText(t) + ' '), el('span', 'en', g ? 'Priority · ' + g.en : 'Priority'));
    }
    $('current-booked').hidden = !(t && t.appointment);
    $('current-ooo').hidden = !(t && t.out_of_order);
    renderElapsed();

    const hint = $('next-hint');
    if (t && t.status === 'called' && !calledEnough(t)) hint.textContent = `Gọi lại số ${t.number} (${t.calls}/${state.noShowMinCalls} lần) hoặc Bắt đầu trước khi gọi số mới / Recall ${t.number} or start serving before calling another`;
    else if (t && t.status === 'called') hint.textContent = `Số ${t.number} sẽ tính vắng mặt / ${t.number} becomes no-show`;
    else if (t && t.status === 'serving') hint.textContent = `Số ${t.number} sẽ hoàn thành / ${t.number} will be finished`;
    else hint.textContent = '';
    // The dossier panel (counter-dossier.js) follows the current ticket.
    document.dispatchEvent(new CustomEvent('motcua:current-ticket', { detail: { ticket: t, counter: state.counter } }));
  }

  function renderElapsed() {
    const t = state.current;
    const label = $('current-elapsed-label');
    const out = $('current-elapsed');
    let since = null;
    let vi = 'Thời gian';
    let en = 'Elapsed';
    if (t && t.status === 'serving' && t.started_at) {
      since = t.started_at; vi = 'Đã phục vụ'; en = 'Serving for';
    } else if (t && t.status === 'called' && t.called_at) {
      since = t.called_at; vi = 'Đã gọi cách đây'; en = 'Called';
    }
    label.replaceChildren(document.createTextNode(vi + ' '), el('span', 'en', en));
    const at = since && Date.parse(since);
    out.textContent = at ? clock((now() - at) / 1000) : '—';
  }

  function counterServiceIDs() {
    return (state.counter && state.counter.service_ids) || [];
  }

  function waitingFor(id) {
    const n = state.waiting[id] ?? state.waiting[String(id)];
    if (typeof n === 'number') return n;
    return state.queue.filter((q) => q.service_id === id).length;
  }

  function renderQueue() {
    const ids = counterServiceIDs();
    const counts = $('service-counts');
    counts.replaceChildren();
    let total = 0;
    for (const id of ids) {
      const n = waitingFor(id);
      total += n;
      const li = el('li', n ? '' : 'zero');
      const s = state.services.get(id);
      const name = el('span', 'svc-name');
      name.append(document.createTextNode(s ? s.name : serviceName(id)));
      if (s && s.name_en) name.append(el('span', 'en', s.name_en));
      li.append(name, el('span', 'svc-count', String(n)));
      counts.append(li);
    }
    if (!ids.length) total = state.queue.length;
    $('queue-total').textContent = String(total);
    $('queue-total').setAttribute('aria-label', `${total} người chờ (${total} waiting)`);

    const list = $('queue-list');
    list.replaceChildren();
    for (const q of state.queue) {
      const li = el('li', q.priority ? 'prio' : q.appointment ? 'booked' : '');
      li.dataset.ticketId = q.id;
      li.append(el('span', 'q-number', q.number));
      const svc = el('span', 'q-service', serviceName(q.service_id));
      if (q.priority) {
        const g = q.priority_group && state.priorityGroups.get(q.priority_group);
        const mark = el('span', 'q-prio', 'Ưu tiên');
        mark.title = g ? `${g.vi} / ${g.en}` : 'Ưu tiên / Priority';
        mark.setAttribute('aria-label', mark.title);
        li.append(mark);
      } else if (q.appointment) {
        const mark = el('span', 'q-booked', 'Đặt trước');
        mark.title = 'Đặt số trực tuyến / Booked online';
        mark.setAttribute('aria-label', mark.title);
        li.append(mark);
      }
      li.append(svc);
      const w = el('span', 'q-waited');
      w.dataset.since = q.issued_at || '';
      w.textContent = waitedText(q.issued_at);
      li.append(w);
      list.append(li);
    }
    list.hidden = state.queue.length === 0;
    $('queue-order-title').hidden = state.queue.length === 0;
    $('queue-empty').hidden = state.queue.length > 0 || total > 0;
    renderOldest();

    if (state.queueKnown) {
      if (state.previousTotal === 0 && total > 0) ding();
      state.previousTotal = total;
    }
  }

  function renderOldest() {
    const p = $('queue-oldest');
    let oldest = null;
    for (const q of state.queue) {
      const t = Date.parse(q.issued_at);
      if (t && (!oldest || t < oldest.t)) oldest = { t, q };
    }
    if (!oldest) { p.textContent = ''; return; }
    p.replaceChildren(
      document.createTextNode(`Chờ lâu nhất: số ${oldest.q.number} · ${waitedText(oldest.q.issued_at)} `),
      el('span', 'en', 'Longest wait'));
  }

  function tick() {
    if ($('view-work').hidden) return;
    renderElapsed();
    for (const w of document.querySelectorAll('#queue-list .q-waited')) w.textContent = waitedText(w.dataset.since);
    renderOldest();
  }

  // ---------- actions ----------

  function legal(action) {
    if (state.busy || !state.counter) return false;
    const s = state.current ? state.current.status : 'none';
    switch (action) {
      // 204 tells the officer nobody waits; over a called ticket, the same rule as Vắng mặt.
      case 'next': return s !== 'called' || calledEnough(state.current);
      case 'recall': return s === 'called';
      case 'start': return s === 'called';
      case 'finish': return s === 'called' || s === 'serving';
      case 'noshow': return s === 'called' && calledEnough(state.current);
      case 'transfer': return s === 'called' || s === 'serving';
      case 'callNumber': return state.queue.length > 0 && (s !== 'called' || calledEnough(state.current));
      default: return false;
    }
  }

  // The hub refuses a no-show before the ticket was called no_show_min_calls
  // times; a ticket without a call count is left for the hub to judge.
  function calledEnough(t) {
    return !t || typeof t.calls !== 'number' || t.calls >= state.noShowMinCalls;
  }

  function renderButtons() {
    for (const [action, id] of Object.entries(BUTTONS)) $(id).disabled = !legal(action);
    const t = state.current;
    const underCalled = t && t.status === 'called' && !calledEnough(t)
      ? `Gọi đủ ${state.noShowMinCalls} lần trước khi ghi vắng mặt. / Call ${state.noShowMinCalls} times before marking a no-show.`
      : '';
    // One rule: Gọi tiếp and Gọi số over a called ticket would make it a no-show too.
    for (const id of ['btn-noshow', 'btn-next', 'btn-call-number']) $(id).title = underCalled;
    document.body.classList.toggle('busy', state.busy);
  }

  async function send(method, path, body) {
    state.busy = true;
    renderButtons();
    setStatus('Đang gửi… / Sending…', 'busy');
    try {
      return await api(method, path, body);
    } finally {
      state.busy = false;
      renderButtons();
    }
  }

  function ticketOf(data) {
    if (!data) return null;
    return data.ticket && typeof data.ticket === 'object' ? data.ticket : data;
  }

  function setCurrent(t) {
    state.current = t;
    renderCurrent();
    renderButtons();
  }

  async function run(action) {
    if (!legal(action)) return;
    if (action === 'transfer') { openTransfer(); return; }
    if (action === 'callNumber') { openCall(); return; }
    const cid = state.counter.id;
    const t = state.current;
    const requests = {
      next: ['POST', `/counters/${cid}/call-next`],
      recall: ['POST', `/counters/${cid}/recall`],
      start: ['POST', `/tickets/${t && t.id}/start`],
      finish: ['POST', `/tickets/${t && t.id}/finish`],
      noshow: ['POST', `/tickets/${t && t.id}/no-show`],
    };
    const [method, path] = requests[action];
    try {
      const data = await send(method, path);
      const got = ticketOf(data);
      if (action === 'next' && !got) {
        // The hub still closed our previous ticket before finding nobody.
        if (t && t.status === 'serving') setCurrent(Object.assign({}, t, { status: 'done' }));
        else if (t && t.status === 'called') setCurrent(Object.assign({}, t, { status: 'no_show' }));
        setStatus('Không còn ai chờ. / Nobody waiting.', 'info');
        scheduleQueueRefresh();
        return;
      }
      if (got) setCurrent(got);
      const n = got ? got.number : '';
      const messages = {
        next: `Đã gọi số ${n}. / Called ${n}.`,
        recall: `Đã gọi lại số ${n}${got && got.calls ? ' (lần ' + got.calls + ')' : ''}. / Recalled ${n}.`,
        start: `Bắt đầu phục vụ số ${n}. / Serving ${n}.`,
        finish: `Đã hoàn thành số ${n}. / ${n} finished.`,
        noshow: `Số ${n}: vắng mặt. / ${n} marked as no-show.`,
      };
      setStatus(messages[action], 'ok');
      if (action === 'next') scheduleQueueRefresh();
    } catch (err) {
      failed(err);
    }
  }

  function failed(err) {
    if (err.status === 401) return; // already back at the login form
    setStatus(err.message, 'error');
    if (err.status === 409 || err.status === 404) refreshCounter();
  }

  // Transfer dialog
  function openTransfer() {
    const t = state.current;
    const box = $('transfer-services');
    box.replaceChildren();
    $('transfer-number').textContent = t.number;
    $('transfer-error').textContent = '';
    const choices = [...state.services.values()].filter((s) => s.id !== t.service_id);
    if (!choices.length) {
      setStatus('Không có dịch vụ nào khác để chuyển. / There is no other service to transfer to.', 'error');
      return;
    }
    for (const s of choices) {
      const label = el('label', 'choice');
      const input = document.createElement('input');
      input.type = 'radio';
      input.name = 'transfer-service';
      input.value = s.id;
      label.append(input, el('span', 'choice-main', s.name));
      if (s.name_en) label.append(el('span', 'en', s.name_en));
      box.append(label);
    }
    $('transfer-dialog').showModal();
    box.querySelector('input').focus();
  }

  async function onTransferSubmit(ev) {
    ev.preventDefault();
    const picked = $('transfer-services').querySelector('input:checked');
    if (!picked) {
      $('transfer-error').textContent = 'Chọn dịch vụ cần chuyển tới. / Choose the service to transfer to.';
      return;
    }
    $('transfer-dialog').close();
    const t = state.current;
    const serviceID = Number(picked.value);
    if (!t || !legal('transfer')) return;
    try {
      const data = await send('POST', `/tickets/${t.id}/transfer`, { service_id: serviceID });
      const got = ticketOf(data) || t;
      // It waits again elsewhere; here it is finished, so show it as transferred.
      setCurrent(Object.assign({}, got, { status: 'transferred', service_id: t.service_id,
        service_name: t.service_name, transferred_to: serviceID }));
      setStatus(`Đã chuyển số ${t.number} sang ${serviceName(serviceID)}. / ${t.number} transferred.`, 'ok');
    } catch (err) {
      failed(err);
    }
  }

  // Call-a-number dialog
  function openCall(preselectID) {
    const box = $('call-queue');
    box.replaceChildren();
    for (const q of state.queue) {
      const label = el('label', 'choice choice-ticket');
      const input = document.createElement('input');
      input.type = 'radio';
      input.name = 'call-ticket';
      input.value = q.id;
      input.dataset.number = q.number;
      input.addEventListener('change', () => { $('call-number').value = q.number; });
      label.append(input, el('span', 'choice-main', q.number));
      if (q.priority) label.append(el('span', 'q-prio', 'Ưu tiên'));
      else if (q.appointment) label.append(el('span', 'q-booked', 'Đặt trước'));
      label.append(el('span', 'choice-sub', `${serviceName(q.service_id)} · ${waitedText(q.issued_at)}`));
      if (String(q.id) === String(preselectID)) { input.checked = true; $('call-number').value = q.number; }
      box.append(label);
    }
    if (!preselectID) $('call-number').value = '';
    $('call-reason').value = '';
    $('call-error').textContent = '';
    $('call-dialog').showModal();
    $('call-number').focus();
  }

  function onCallNumberInput() {
    const typed = $('call-number').value.trim().toUpperCase();
    for (const input of $('call-queue').querySelectorAll('input')) {
      input.checked = input.dataset.number.toUpperCase() === typed;
    }
  }

  async function onCallSubmit(ev) {
    ev.preventDefault();
    const typed = $('call-number').value.trim();
    const reason = $('call-reason').value.trim();
    const q = state.queue.find((x) => String(x.number).toUpperCase() === typed.toUpperCase());
    if (!q) {
      $('call-error').textContent = typed
        ? `Số ${typed} không có trong hàng chờ của quầy này. / ${typed} is not waiting for this counter.`
        : 'Chọn hoặc nhập số cần gọi. / Choose or type the number to call.';
      $('call-number').focus();
      return;
    }
    if (reason.length < 3) {
      $('call-error').textContent = 'Cần ghi lý do gọi ngoài thứ tự. / A reason is required for an out-of-order call.';
      $('call-reason').focus();
      return;
    }
    $('call-dialog').close();
    if (!legal('callNumber')) return;
    try {
      const data = await send('POST', `/counters/${state.counter.id}/call`, { ticket_id: q.id, reason });
      const got = ticketOf(data);
      if (got) setCurrent(got);
      setStatus(`Đã gọi số ${q.number} (ngoài thứ tự). / Called ${q.number} out of order.`, 'ok');
      scheduleQueueRefresh();
    } catch (err) {
      failed(err);
    }
  }

  // ---------- keyboard ----------

  function isTyping(target) {
    return target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
  }

  function shortcut(e) {
    if ($('view-work').hidden || document.querySelector('dialog[open]')) return null;
    if (e.ctrlKey || e.altKey || e.metaKey) return null;
    const action = FKEYS[e.key];
    if (action) return action;
    if (isTyping(e.target) || e.key.length !== 1) return null;
    return LETTERS[e.key.toLowerCase()] || null;
  }

  // Dialogs open on key-up: opened on key-down, the typed letter would land in
  // the dialog's freshly focused field.
  const OPENS_DIALOG = new Set(['transfer', 'callNumber']);

  function onKeyDown(e) {
    const action = shortcut(e);
    if (!action) return;
    e.preventDefault(); // F1 help, F3 find, F7 caret browsing…
    if (e.repeat || OPENS_DIALOG.has(action)) return;
    press(action);
  }

  function onKeyUp(e) {
    const action = shortcut(e);
    if (!action || !OPENS_DIALOG.has(action)) return;
    e.preventDefault();
    press(action);
  }

  function press(action) {
    const button = $(BUTTONS[action]);
    if (button.disabled) return;
    button.classList.add('pressed');
    setTimeout(() => button.classList.remove('pressed'), 150);
    run(action);
  }

  // ---------- start ----------

  function bind() {
    $('login-form').addEventListener('submit', onLogin);
    $('btn-logout').addEventListener('click', onLogout);
    $('btn-change-counter').addEventListener('click', onChangeCounter);
    for (const [action, id] of Object.entries(BUTTONS)) $(id).addEventListener('click', () => run(action));
    $('transfer-form').addEventListener('submit', onTransferSubmit);
    $('transfer-cancel').addEventListener('click', () => $('transfer-dialog').close());
    $('call-form').addEventListener('submit', onCallSubmit);
    $('call-cancel').addEventListener('click', () => $('call-dialog').close());
    $('call-number').addEventListener('input', onCallNumberInput);
    document.addEventListener('keydown', onKeyDown);
    document.addEventListener('keyup', onKeyUp);
    setInterval(tick, 1000);
  }

  async function boot() {
    bind();
    motcua.onUnauthorized = sessionExpired;
    if (!signedIn()) { showLogin(); return; }
    try {
      state.user = Object.assign({}, state.user, await api('GET', '/auth/me'));
      sessionStorage.setItem(USER_KEY, JSON.stringify(state.user));
      await afterLogin();
    } catch (err) {
      if (err.status !== 401) showLogin(err.message);
    }
  }

  boot();
})();
