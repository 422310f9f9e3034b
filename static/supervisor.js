// Supervisor desk: overdue and at-risk dossiers, apologies (Mẫu 04), live
// queues, notifications and reports. Plain script, no build step. The page
// polls GET /api/v1/supervisor/overview every POLL_MS (lists change on the
// scale of minutes; a poll is simpler and sturdier than a socket here) and
// right after every action. Every text from the server goes in with
// textContent, never as HTML. Times are shown as the hub wrote them (branch
// time), whatever the browser's own time zone.
'use strict';

(function () {
  const API = '/api/v1';
  const USER_KEY = 'motcua.user';
  const POLL_MS = 10000;

  // Dossier status labels come from motcua.js; here a received dossier is
  // one not yet passed to the agency, which is what the desk watches for.
  function statusText(st) {
    return st === 'received' ? motcua.dossierStatus(st) + ', chưa chuyển' : motcua.dossierStatus(st);
  }
  const DELIVERY = { pending: 'Chờ gửi', delivered: 'Đã gửi', failed: 'Lỗi' };
  const COUNTER = { idle: 'rảnh', calling: 'đang gọi', serving: 'đang phục vụ' };

  const state = {
    user: readJSON(sessionStorage.getItem(USER_KEY)),
    data: null,
    timer: 0,
    filtersFilled: false,
    dialogItem: null,
  };

  function $(id) { return document.getElementById(id); }
  function readJSON(s) { try { return s ? JSON.parse(s) : null; } catch (e) { return null; } }
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  // "2026-12-02T17:00:00+07:00" → "02/12/2026 17:00", in the hub's zone.
  function dt(s, withTime) { return motcua.dmy(s, withTime !== false); }
  function isoDay(s) { return (s || '').slice(0, 10); }

  // Dates are shown and typed as dd/mm/yyyy whatever the browser's language
  // (a date input would follow it); the hub gets yyyy-mm-dd.
  // parseDMY reads a date typed as dd/mm/yyyy (also d/m/yyyy, dd-mm-yyyy,
  // dd.mm.yyyy, or yyyy-mm-dd) and returns "yyyy-mm-dd", or "" when it is not
  // a real date.
  function parseDMY(s) {
    s = String(s || '').trim();
    var m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s), y, mo, d;
    if (m) { y = +m[1]; mo = +m[2]; d = +m[3]; } else {
      m = /^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})$/.exec(s);
      if (!m) return '';
      d = +m[1]; mo = +m[2]; y = +m[3];
    }
    var t = new Date(Date.UTC(y, mo - 1, d));
    if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return '';
    return t.toISOString().slice(0, 10);
  }


  const DATE_FORMAT = 'Ngày viết dạng dd/mm/yyyy, ví dụ 07/12/2026. / Write dates as dd/mm/yyyy, e.g. 07/12/2026.';

  // A calendar for a dd/mm/yyyy field: a date input kept out of sight, whose
  // picker writes the chosen day back in dd/mm/yyyy.
  function pickDate(field) {
    const picker = document.createElement('input');
    picker.type = 'date';
    picker.className = 'date-picker';
    picker.tabIndex = -1;
    picker.setAttribute('aria-hidden', 'true');
    picker.value = parseDMY(field.value);
    field.after(picker);
    const done = () => picker.remove();
    picker.addEventListener('change', () => {
      if (picker.value) {
        field.value = motcua.dmy(picker.value);
        field.dispatchEvent(new Event('input', { bubbles: true }));
      }
      done();
    });
    picker.addEventListener('blur', () => setTimeout(done, 0));
    try { picker.showPicker(); } catch (e) { done(); field.focus(); }
  }
  function userName(u) { return u ? (u.full_name || u.username || '') : ''; }
  function minutes(s) {
    if (!(s > 0)) return '0′';
    const m = Math.round(s / 60);
    return m < 60 ? m + '′' : Math.floor(m / 60) + 'h' + String(m % 60).padStart(2, '0');
  }

  // api is motcua.api, with the connection mark kept in step.
  async function api(method, path, body) {
    try {
      const data = await motcua.api(method, path, body);
      $('conn-mark').hidden = true;
      return data;
    } catch (e) {
      $('conn-mark').hidden = e.status !== 0;
      throw e;
    }
  }

  // ---------- login ----------

  function showLogin(message) {
    clearTimeout(state.timer);
    $('view-login').hidden = false;
    $('view-work').hidden = true;
    $('user-name').hidden = true;
    $('btn-logout').hidden = true;
    $('login-error').textContent = message || '';
    $('login-username').focus();
  }

  function showWork() {
    $('view-login').hidden = true;
    $('view-work').hidden = false;
    $('user-name').hidden = false;
    $('btn-logout').hidden = false;
    $('user-name').textContent = state.user ? state.user.username : '';
    refresh();
  }

  async function onLogin(ev) {
    ev.preventDefault();
    const login = await motcua.signIn(['supervisor', 'admin']);
    if (!login) return;
    state.user = login.user;
    sessionStorage.setItem(USER_KEY, JSON.stringify(state.user));
    showWork();
  }

  async function onLogout() {
    try { await api('POST', '/auth/logout'); } catch (e) { /* signed out anyway */ }
    motcua.session.clear();
    state.user = null;
    sessionStorage.removeItem(USER_KEY);
    showLogin('');
  }

  // ---------- overview ----------

  function filterQuery() {
    const p = new URLSearchParams();
    if ($('f-agency').value) p.set('agency', $('f-agency').value);
    if ($('f-field').value) p.set('field', $('f-field').value);
    if ($('f-procedure').value) p.set('procedure_id', $('f-procedure').value);
    const q = p.toString();
    return q ? '?' + q : '';
  }

  async function refresh() {
    clearTimeout(state.timer);
    try {
      const [data, deliveries] = await Promise.all([
        api('GET', '/supervisor/overview' + filterQuery()),
        api('GET', '/webhook/deliveries?limit=20'),
      ]);
      state.data = data;
      render(data);
      renderDeliveries(deliveries || []);
    } catch (e) {
      if (e.status === 401) return;
    }
    state.timer = setTimeout(refresh, POLL_MS);
  }

  function render(d) {
    $('branch-name').textContent = d.branch ? d.branch.name : '';
    $('updated').textContent = 'Cập nhật ' + dt(d.now);
    const c = d.counts || {};
    $('count-overdue').textContent = c.overdue;
    $('count-noapology').textContent = c.overdue_without_apology;
    $('count-atrisk').textContent = c.at_risk;
    $('count-transfer').textContent = c.transfer_late;
    $('count-open').textContent = c.open;
    $('count-apologies').textContent = c.apologies_today;
    $('count-deliveries').textContent = c.pending_deliveries + ' / ' + c.failed_deliveries;
    $('at-risk-hint').textContent = 'Sắp quá hạn: còn ≤ ' + d.at_risk_days + ' ngày làm việc. / At risk: due within ' + d.at_risk_days + ' working day(s).';
    fillFilters(d.choices || {});
    renderDossiers('overdue', d.overdue || [], true);
    renderDossiers('atrisk', d.at_risk || [], false);
    renderTransfer(d.transfer_late || []);
    renderQueues(d.queues || [], d.counters || []);
    if (!$('r-from').value) {
      const today = isoDay(d.now);
      $('r-from').value = motcua.dmy(today.slice(0, 8) + '01');
      $('r-to').value = motcua.dmy(today);
      updateReportLinks();
    }
  }

  function fillFilters(ch) {
    if (state.filtersFilled) return;
    state.filtersFilled = true;
    for (const a of ch.agencies || []) $('f-agency').appendChild(option(a, a));
    for (const f of ch.fields || []) $('f-field').appendChild(option(f, f));
    for (const p of ch.procedures || []) $('f-procedure').appendChild(option(p.id, p.code + ' – ' + p.name));
  }

  function option(value, text) {
    const o = el('option', '', text);
    o.value = value;
    return o;
  }

  function codeCell(item) {
    const td = el('td');
    td.appendChild(el('span', 'code', item.code));
    td.appendChild(el('span', 'proc', item.procedure_name));
    return td;
  }

  function renderDossiers(which, list, overdue) {
    const tbody = $('list-' + which).querySelector('tbody');
    tbody.textContent = '';
    $('empty-' + which).hidden = list.length > 0;
    $('list-' + which).hidden = list.length === 0;
    for (const item of list) {
      const tr = el('tr');
      tr.dataset.dossierId = item.id;
      tr.dataset.code = item.code;
      tr.appendChild(codeCell(item));
      tr.appendChild(el('td', '', item.agency));
      const where = el('td');
      where.appendChild(el('span', 'status', statusText(item.status)));
      where.appendChild(el('span', 'since', 'từ ' + dt(item.status_since)));
      tr.appendChild(where);
      tr.appendChild(el('td', 'due', dt(item.due_at)));
      tr.appendChild(overdue
        ? el('td', 'late', item.late_days > 0 ? item.late_days + ' ngày LV' : 'hôm nay')
        : el('td', 'left', item.days_left > 0 ? item.days_left + ' ngày LV' : 'hạn hôm nay'));
      tr.appendChild(el('td', '', userName(item.received_by)));
      const ap = el('td');
      const aps = item.apologies || [];
      if (aps.length) {
        const last = aps[aps.length - 1];
        const yes = el('span', 'ap-yes', (aps.length > 1 ? aps.length + ' lần, ' : 'Đã xin lỗi ') + dt(last.issued_at, false));
        if (last.letter_url) {
          const a = el('a', '', 'Mẫu 04');
          a.href = last.letter_url;
          a.target = '_blank';
          a.rel = 'noopener';
          yes.appendChild(a);
        }
        ap.appendChild(yes);
      } else {
        ap.appendChild(el('span', 'ap-no', 'Chưa'));
      }
      tr.appendChild(ap);
      const act = el('td');
      const b = el('button', 'btn btn-small apology-btn', aps.length ? 'Gia hạn lần nữa' : 'Xin lỗi, gia hạn');
      b.type = 'button';
      b.addEventListener('click', () => openApology(item));
      act.appendChild(b);
      tr.appendChild(act);
      tbody.appendChild(tr);
    }
  }

  function renderTransfer(list) {
    const tbody = $('list-transfer').querySelector('tbody');
    tbody.textContent = '';
    $('empty-transfer').hidden = list.length > 0;
    $('list-transfer').hidden = list.length === 0;
    for (const item of list) {
      const tr = el('tr');
      tr.dataset.code = item.code;
      tr.appendChild(codeCell(item));
      tr.appendChild(el('td', '', item.agency));
      tr.appendChild(el('td', '', dt(item.received_at)));
      tr.appendChild(el('td', 'late', dt(item.transfer_due_at)));
      tr.appendChild(el('td', '', dt(item.due_at)));
      tr.appendChild(el('td', '', userName(item.received_by)));
      tbody.appendChild(tr);
    }
  }

  function renderQueues(queues, counters) {
    const tbody = $('queues').querySelector('tbody');
    tbody.textContent = '';
    for (const q of queues) {
      const tr = el('tr', q.open ? '' : 'closed');
      tr.dataset.serviceId = q.id;
      tr.appendChild(el('td', '', q.prefix + ' · ' + q.name + (q.open ? '' : ' (đóng)')));
      tr.appendChild(el('td', 'waiting', q.waiting));
      tr.appendChild(el('td', '', minutes(q.est_wait_s)));
      tr.appendChild(el('td', '', q.counters_busy + '/' + q.counters));
      tr.appendChild(el('td', '', q.issued_today));
      tbody.appendChild(tr);
    }
    const ul = $('counters');
    ul.textContent = '';
    for (const c of counters) {
      const li = el('li', c.status === 'idle' ? '' : 'busy',
        'Quầy ' + c.number + ': ' + (COUNTER[c.status] || c.status) + (c.current_number ? ' ' + c.current_number : ''));
      li.dataset.counterId = c.id;
      li.appendChild(officerLabel(c));
      ul.appendChild(li);
    }
  }

  // Who works at the counter: signed in on its screen, or the last to act
  // there today (issue 12).
  function officerLabel(c) {
    const o = c.officer;
    const span = el('span', o ? 'officer' : 'officer none', o ? ' · ' + o.full_name : ' · chưa có cán bộ');
    if (o) span.dataset.userId = o.id;
    span.title = o ? 'Cán bộ tại quầy / Officer at the counter' : 'Không có cán bộ đăng nhập / Nobody signed in';
    return span;
  }

  function renderDeliveries(list) {
    const ul = $('deliveries');
    ul.textContent = '';
    $('empty-deliveries').hidden = list.length > 0;
    for (const d of list) {
      const li = el('li');
      li.dataset.deliveryId = d.id;
      li.appendChild(el('span', 'state state-' + d.state, DELIVERY[d.state] || d.state));
      li.appendChild(document.createTextNode(d.event + ' · ' + d.dossier_code + ' · ' + dt(d.created_at)));
      const tries = (d.attempts || []).map((a) => dt(a.at).slice(11) + ' ' + (a.status_code || '–') + (a.error ? ' ' + a.error : ''));
      let line = tries.length ? tries.length + ' lần: ' + tries.join('; ') : 'chưa gửi';
      if (d.state === 'pending' && d.next_attempt_at) line += ' · lần tới ' + dt(d.next_attempt_at);
      li.appendChild(el('span', 'attempts', line));
      if (d.state === 'failed') {
        const b = el('button', 'btn btn-small', 'Gửi lại');
        b.type = 'button';
        b.addEventListener('click', async () => {
          try { await api('POST', '/webhook/deliveries/' + d.id + '/retry'); } catch (e) { /* shown at the next poll */ }
          refresh();
        });
        li.appendChild(b);
      }
      ul.appendChild(li);
    }
  }

  // ---------- apology ----------

  function openApology(item) {
    state.dialogItem = item;
    $('ap-code').textContent = item.code;
    $('ap-proc').textContent = item.procedure_name;
    $('ap-due').textContent = dt(item.due_at);
    $('ap-reason').value = '';
    $('ap-second').value = '';
    $('ap-date').value = motcua.dmy(item.suggested_new_due_at);
    const aps = item.apologies || [];
    $('ap-second-box').hidden = aps.length === 0;
    if (aps.length) {
      const last = aps[aps.length - 1];
      $('ap-prior').textContent = 'Đã xin lỗi ngày ' + dt(last.issued_at, false) + ', hẹn lại ' + dt(last.new_due_at) + ': ' + last.reason;
    }
    clearErrors();
    $('ap-done').hidden = true;
    $('ap-submit').hidden = false;
    $('ap-submit').disabled = false;
    $('apology-dialog').showModal();
    $('ap-reason').focus();
  }

  function clearErrors() {
    $('ap-error').textContent = '';
    for (const p of document.querySelectorAll('#apology-form .field-error')) p.textContent = '';
  }

  async function submitApology() {
    const item = state.dialogItem;
    if (!item) return;
    clearErrors();
    const newDue = parseDMY($('ap-date').value);
    if (!newDue) {
      document.querySelector('#apology-form .field-error[data-for="new_due_at"]').textContent = DATE_FORMAT;
      $('ap-date').focus();
      return;
    }
    const body = { reason: $('ap-reason').value, new_due_at: newDue };
    if (!$('ap-second-box').hidden) body.second_reason = $('ap-second').value;
    $('ap-submit').disabled = true;
    try {
      const a = await api('POST', '/dossiers/' + item.id + '/apologies', body);
      $('ap-letter').href = a.letter_url;
      $('ap-done').hidden = false;
      $('ap-submit').hidden = true; // issued: one click, one letter
      refresh();
    } catch (e) {
      $('ap-submit').disabled = false;
      $('ap-error').textContent = e.message || '';
      for (const [k, msg] of Object.entries(e.fields || {})) {
        const p = document.querySelector('#apology-form .field-error[data-for="' + k + '"]');
        if (p) p.textContent = msg;
      }
      if (e.fields && e.fields.second_reason) $('ap-second-box').hidden = false;
    }
  }

  // ---------- reports ----------

  function rangeQuery() {
    const from = parseDMY($('r-from').value), to = parseDMY($('r-to').value);
    return from && to ? '?from=' + from + '&to=' + to : '';
  }

  // The ledger links follow the dates; with a date that is not one they lead nowhere.
  function updateReportLinks() {
    const q = rangeQuery();
    for (const [id, path] of [['r-csv', API + '/reports/ledger.csv'], ['r-print', '/reports/ledger']]) {
      if (q) {
        $(id).href = path + q;
        $(id).removeAttribute('aria-disabled');
      } else {
        $(id).removeAttribute('href');
        $(id).setAttribute('aria-disabled', 'true');
      }
    }
  }

  async function runReport(ev) {
    ev.preventDefault();
    $('r-error').textContent = '';
    if (!rangeQuery()) {
      $('r-error').textContent = DATE_FORMAT;
      return;
    }
    try {
      const rep = await api('GET', '/reports/on-time' + rangeQuery() + '&by=' + $('r-by').value);
      const table = $('report');
      const tbody = table.querySelector('tbody');
      const tfoot = table.querySelector('tfoot');
      tbody.textContent = '';
      tfoot.textContent = '';
      for (const r of rep.rows) tbody.appendChild(reportRow(r));
      tfoot.appendChild(reportRow(rep.total));
      table.hidden = false;
    } catch (e) {
      $('r-error').textContent = e.message || '';
    }
  }

  function reportRow(r) {
    const tr = el('tr');
    const rate = r.on_time_rate === null || r.on_time_rate === undefined ? '–' : Math.round(r.on_time_rate * 1000) / 10 + '%';
    for (const v of [r.name, r.received, r.finished, r.finished_on_time, r.finished_late, r.pending_overdue, rate,
      (Math.round(r.avg_late_days * 10) / 10), r.worst_late_days + (r.worst_late_code ? ' (' + r.worst_late_code + ')' : ''),
      r.apologies, r.stopped || 0, (r.handovers_late || 0) + '/' + (r.handovers || 0)]) {
      tr.appendChild(el('td', '', v));
    }
    return tr;
  }

  // ---------- start ----------

  document.addEventListener('DOMContentLoaded', () => {
    $('login-form').addEventListener('submit', onLogin);
    $('btn-logout').addEventListener('click', onLogout);
    for (const id of ['f-agency', 'f-field', 'f-procedure']) $(id).addEventListener('change', refresh);
    $('ap-submit').addEventListener('click', submitApology);
    $('ap-cancel').addEventListener('click', () => $('apology-dialog').close());
    $('report-form').addEventListener('submit', runReport);
    for (const id of ['r-from', 'r-to']) $(id).addEventListener('input', updateReportLinks);
    for (const b of document.querySelectorAll('.date-pick')) b.addEventListener('click', () => pickDate($(b.dataset.for)));
    motcua.onUnauthorized = () => showLogin('Phiên đăng nhập đã hết, vui lòng đăng nhập lại. / Please sign in again.');
    if (motcua.session.token) showWork(); else showLogin('');
  });
})();
