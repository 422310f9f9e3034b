// Hall administration (/admin). Users go through their own API. The hall is
// edited IN PLACE on the JSON object GET /api/v1/hall answered and sent back
// whole with PUT /api/v1/hall, so fields this page does not show (added by a
// newer hub) survive a save. Every save is a dry run first: the page lists
// the changes and applies them only once confirmed.
(function () {
  'use strict';
  var M = window.motcua;
  var USER_KEY = 'motcua.admin.user';
  var MAX_PROCEDURE_ROWS = 100;

  var state = {
    user: null,
    tab: 'users',
    hall: null,      // the description being edited (the object GET answered)
    original: '',    // its JSON as received, to tell whether it was edited
    errors: {},      // field path -> message, from the last refused PUT
    keys: {},        // codes and numbers of the hall as received (those are fixed)
    counters: [],    // GET /api/v1/counters: ids for users' counter_ids
    users: [],
    editingUser: null,
    resetUser: null,
    auditBefore: 0,
    city: null       // GET /api/v1/city/procedures: the city's catalogue as applied here
  };

  function $(id) { return document.getElementById(id); }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function bi(vi, en) { // "Vietnamese <span class=en>English</span>"
    var s = el('span', null, vi);
    if (en) s.appendChild(el('span', 'en', en));
    return s;
  }

  var ROLE = { admin: ['Quản trị', 'Admin'], supervisor: ['Giám sát', 'Supervisor'], staff: ['Cán bộ quầy', 'Staff'] };
  var ACTION = { add: ['Thêm', 'add'], change: ['Sửa', 'change'], retire: ['Ngừng', 'retire'],
    clash: ['Giữ thủ tục riêng, không nhận của thành phố', 'own kept, city’s not applied'] };
  var KIND = {
    branch: ['Chi nhánh', 'branch'], policy: ['Chính sách gọi số', 'policy'], reception: ['Giờ tiếp nhận', 'reception'],
    privacy: ['Dữ liệu cá nhân', 'privacy'], dossiers: ['Hồ sơ', 'dossiers'], service: ['Dịch vụ', 'service'],
    counter: ['Quầy', 'counter'], procedure: ['Thủ tục', 'procedure'], holiday: ['Ngày nghỉ', 'holiday'],
    working_day: ['Ngày làm bù', 'working day'], priority_group: ['Nhóm ưu tiên', 'priority group']
  };
  function label(table, key) { var l = table[key]; return l ? l[0] + ' / ' + l[1] : key; }

  // ---------- login ----------

  function showLogin(message) {
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
    $('user-name').textContent = state.user ? (state.user.full_name || state.user.username) : '';
    loadAll();
  }

  function onLogin(ev) {
    ev.preventDefault();
    M.signIn(['admin']).then(function (login) {
      if (!login) return;
      state.user = login.user;
      sessionStorage.setItem(USER_KEY, JSON.stringify(login.user));
      showWork();
    });
  }

  function onLogout() {
    M.api('POST', '/auth/logout').catch(function () { /* signed out anyway */ }).then(function () {
      M.session.clear();
      sessionStorage.removeItem(USER_KEY);
      state.user = null;
      showLogin('');
    });
  }

  // ---------- loading ----------

  function loadAll() {
    return Promise.all([loadHall(), loadCounters().then(loadUsers), loadAudit(true), loadCity()]).catch(showFailure);
  }

  function showFailure(e) {
    var box = $('hall-errors');
    box.hidden = false;
    box.textContent = (e && e.message) || String(e);
  }

  function loadHall() {
    return M.api('GET', '/hall').then(function (h) {
      state.hall = h;
      state.original = JSON.stringify(h);
      noteKeys(h);
      state.errors = {};
      $('hall-errors').hidden = true;
      $('branch-name').textContent = h.branch && h.branch.name || '';
      renderHall();
    });
  }

  function loadCounters() {
    return M.api('GET', '/counters').then(function (list) { state.counters = list || []; });
  }

  // ---------- tabs and the save bar ----------

  function showTab(name) {
    state.tab = name;
    Array.prototype.forEach.call(document.querySelectorAll('#tabs button'), function (b) {
      if (b.getAttribute('data-tab') === name) b.setAttribute('aria-current', 'page'); else b.removeAttribute('aria-current');
    });
    Array.prototype.forEach.call(document.querySelectorAll('[data-panel]'), function (p) {
      p.hidden = p.getAttribute('data-panel') !== name;
    });
    // Lists that name other entities (a counter's services) follow edits made on other tabs.
    if (state.hall) renderHall();
    if (name === 'audit' && state.user && !$('view-work').hidden) loadAudit(true).catch(showFailure);
    if (name === 'city' && state.user && !$('view-work').hidden) loadCity().catch(showFailure);
  }

  function edited() {
    $('save-bar').hidden = !state.hall || JSON.stringify(state.hall) === state.original;
  }

  function banner(text) {
    var b = $('banner');
    b.textContent = text;
    b.hidden = !text;
  }

  // ---------- inputs bound to the hall object ----------

  // input makes a control that edits obj[key] in place. path names the field
  // the way the hub's errors do ("services[2].prefix"); o.type is 'text',
  // 'int', 'lines' (a list of strings, one a line) or 'select' (o.options).
  function input(obj, key, path, o) {
    o = o || {};
    var c;
    if (o.type === 'select') {
      c = el('select');
      o.options.forEach(function (opt) {
        var op = el('option', null, opt[1]);
        op.value = opt[0];
        c.appendChild(op);
      });
      c.value = obj[key] == null ? '' : obj[key];
    } else if (o.type === 'lines' || o.type === 'textarea') {
      c = el('textarea');
      c.rows = o.rows || 2;
      c.value = o.type === 'lines' ? (obj[key] || []).join('\n') : (obj[key] || '');
    } else {
      c = el('input');
      if (o.type === 'int') { c.type = 'number'; c.step = '1'; c.className = 'narrow'; }
      if (o.type === 'date') c.type = 'date';
      c.value = obj[key] == null ? '' : obj[key];
    }
    if (o.readonly) c.readOnly = true;
    if (o.label) c.setAttribute('aria-label', o.label);
    c.setAttribute('data-path', path);
    c.addEventListener('input', function () {
      var v = c.value;
      if (o.type === 'int') {
        // A number that is not whole goes as typed: the hub names the field.
        if (v === '') delete obj[key]; else obj[key] = /^-?\d+$/.test(v) ? parseInt(v, 10) : v;
      } else if (o.type === 'lines') {
        obj[key] = v.split('\n').map(function (s) { return s.trim(); }).filter(Boolean);
      } else {
        obj[key] = v;
      }
      if (o.onchange) o.onchange(obj[key]);
      edited();
    });
    if (o.type === 'select') c.addEventListener('change', function () { c.dispatchEvent(new Event('input')); });
    return c;
  }

  // labelled wraps a control with its two-language label.
  function labelled(vi, en, control) {
    var l = el('label');
    l.appendChild(bi(vi, en));
    l.appendChild(control);
    return l;
  }

  function cell(tr, child) {
    var td = el('td');
    if (child) td.appendChild(child);
    tr.appendChild(td);
    return td;
  }

  function button(text, cls, onclick) {
    var b = el('button', 'btn btn-small' + (cls ? ' ' + cls : ''), text);
    b.type = 'button';
    b.addEventListener('click', onclick);
    return b;
  }

  // sessionsText: [{from,to}] as "07:30-11:30, 13:00-17:00"; parseSessions the reverse.
  function sessionsText(list) {
    return (list || []).map(function (s) { return s.from + '-' + s.to; }).join(', ');
  }
  function parseSessions(text) {
    return text.split(',').map(function (s) { return s.trim(); }).filter(Boolean).map(function (s) {
      var p = s.split(/\s*[-–]\s*/);
      return { from: p[0] || '', to: p[1] || '' };
    });
  }
  function sessionsInput(obj, key, path, labelText, placeholder) {
    var c = el('input');
    c.value = sessionsText(obj[key]);
    c.setAttribute('data-path', path);
    c.setAttribute('aria-label', labelText);
    c.placeholder = placeholder || '07:30-11:30, 13:00-17:00';
    c.addEventListener('input', function () { obj[key] = parseSessions(c.value); edited(); });
    return c;
  }

  // ---------- rendering the hall ----------

  function list(name) {
    if (!Array.isArray(state.hall[name])) state.hall[name] = [];
    return state.hall[name];
  }

  function section(name) {
    if (!state.hall[name] || typeof state.hall[name] !== 'object') state.hall[name] = {};
    return state.hall[name];
  }

  function renderHall() {
    if (!state.hall) return;
    renderServices();
    renderCounters();
    renderProcedures();
    renderCalendar();
    renderHours();
    renderPolicy();
    renderGroups();
    renderBranch();
    renderUserCounters();
    renderCity();
    showErrors();
    edited();
  }

  // isNew: not in the hall as received, so its key (code, number) may still be typed.
  function isNew(kind, key) {
    return !state.keys[kind] || !state.keys[kind].has(String(key));
  }

  function noteKeys(h) {
    state.keys = {};
    [['services', 'code'], ['counters', 'number'], ['procedures', 'code']].forEach(function (k) {
      state.keys[k[0]] = new Set((h[k[0]] || []).map(function (x) { return String(x[k[1]]); }));
    });
  }

  function renderServices() {
    var body = $('services-table').tBodies[0];
    body.textContent = '';
    list('services').forEach(function (s, i) {
      var p = 'services[' + i + ']';
      var tr = el('tr');
      tr.setAttribute('data-code', s.code || '');
      cell(tr, input(s, 'code', p + '.code', { readonly: !isNew('services', s.code), label: 'Mã dịch vụ / Code' }));
      cell(tr, input(s, 'name', p + '.name', { label: 'Tên / Name' }));
      cell(tr, input(s, 'name_en', p + '.name_en', { label: 'Tên tiếng Anh / English name' }));
      cell(tr, input(s, 'field', p + '.field', { label: 'Lĩnh vực / Field' }));
      cell(tr, input(s, 'prefix', p + '.prefix', { label: 'Tiền tố / Prefix' }));
      cell(tr, input(s, 'digits', p + '.digits', { type: 'int', label: 'Số chữ số / Digits' }));
      cell(tr, button('Ngừng / Retire', 'btn-danger', function () {
        list('services').splice(i, 1);
        renderHall();
      }));
      body.appendChild(tr);
    });
  }

  function serviceOptions() {
    return list('services').map(function (s) { return [s.code, s.code + ' – ' + (s.name || '')]; });
  }

  function renderCounters() {
    var box = $('counters-list');
    box.textContent = '';
    list('counters').forEach(function (c, i) {
      var p = 'counters[' + i + ']';
      if (!Array.isArray(c.services)) c.services = [];
      var card = el('div', 'counter-card');
      card.setAttribute('data-number', c.number);
      var row = el('div', 'row');
      row.appendChild(labelled('Số quầy', 'Number', input(c, 'number', p + '.number', { type: 'int', readonly: !isNew('counters', c.number) })));
      row.appendChild(labelled('Tên', 'Name', input(c, 'name', p + '.name')));
      row.appendChild(button('Ngừng quầy / Retire', 'btn-danger', function () {
        list('counters').splice(i, 1);
        renderHall();
      }));
      card.appendChild(row);
      var chips = el('ol', 'chips');
      chips.setAttribute('data-path', p + '.services');
      chips.setAttribute('aria-label', 'Dịch vụ theo thứ tự / Services in order');
      c.services.forEach(function (code, j) {
        var chip = el('li', 'chip', (j + 1) + '. ' + code);
        chip.setAttribute('data-path', p + '.services[' + j + ']');
        if (j > 0) {
          var up = button('↑', '', function () {
            c.services.splice(j - 1, 0, c.services.splice(j, 1)[0]);
            renderHall();
          });
          up.setAttribute('aria-label', 'Lên trước / Move up ' + code);
          chip.appendChild(up);
        }
        var rm = button('×', '', function () {
          c.services.splice(j, 1);
          renderHall();
        });
        rm.setAttribute('aria-label', 'Bỏ / Remove ' + code);
        chip.appendChild(rm);
        chips.appendChild(chip);
      });
      var add = el('select');
      add.setAttribute('aria-label', 'Thêm dịch vụ cho quầy ' + c.number + ' / Add a service');
      add.className = 'add-service';
      var first = el('option', null, '+ dịch vụ / service');
      first.value = '';
      add.appendChild(first);
      serviceOptions().forEach(function (o) {
        if (c.services.indexOf(o[0]) >= 0) return;
        var op = el('option', null, o[1]);
        op.value = o[0];
        add.appendChild(op);
      });
      add.addEventListener('change', function () {
        if (!add.value) return;
        c.services.push(add.value);
        renderHall();
      });
      chips.appendChild(add);
      card.appendChild(chips);
      box.appendChild(card);
    });
  }

  function renderProcedures() {
    var body = $('procedures-table').tBodies[0];
    body.textContent = '';
    var q = $('procedures-search').value;
    var all = list('procedures');
    var shown = 0, matched = 0;
    var services = [['', '–']].concat(serviceOptions());
    all.forEach(function (pr, i) {
      if (q && !M.matches([pr.code, pr.name, pr.field, pr.agency], q)) return;
      matched++;
      if (shown >= MAX_PROCEDURE_ROWS) return;
      shown++;
      var p = 'procedures[' + i + ']';
      var tr = el('tr');
      tr.setAttribute('data-code', pr.code || '');
      cell(tr, input(pr, 'code', p + '.code', { readonly: !isNew('procedures', pr.code), label: 'Mã / Code' }));
      cell(tr, input(pr, 'name', p + '.name', { type: 'textarea', label: 'Tên / Name' }));
      cell(tr, input(pr, 'field', p + '.field', { label: 'Lĩnh vực / Field' }));
      cell(tr, input(pr, 'agency', p + '.agency', { label: 'Cơ quan / Agency' }));
      cell(tr, input(pr, 'processing_days', p + '.processing_days', { type: 'int', label: 'Ngày làm việc / Working days' }));
      cell(tr, input(pr, 'fee', p + '.fee', { label: 'Lệ phí / Fee' }));
      cell(tr, input(pr, 'service', p + '.service', { type: 'select', options: services, label: 'Dịch vụ / Service' }));
      cell(tr, input(pr, 'documents', p + '.documents', { type: 'lines', label: 'Giấy tờ / Documents' }));
      cell(tr, button('Ngừng / Retire', 'btn-danger', function () {
        all.splice(i, 1);
        renderHall();
      }));
      body.appendChild(tr);
    });
    $('procedures-count').textContent = '(' + all.length + ')';
    $('procedures-more').hidden = matched <= shown;
    $('procedures-more').textContent = 'Đang hiện ' + shown + '/' + matched + ' thủ tục; tìm để thu hẹp. / Showing ' +
      shown + ' of ' + matched + '; search to narrow.';
  }

  function renderDays(boxID, name) {
    var box = $(boxID);
    box.textContent = '';
    var years = {};
    list(name).forEach(function (d, i) {
      var y = String(d.date || '').slice(0, 4) || '?';
      (years[y] = years[y] || []).push(i);
    });
    var thisYear = String(new Date().getFullYear());
    Object.keys(years).sort().forEach(function (y) {
      var det = el('details', 'year');
      det.setAttribute('data-year', y);
      det.open = y >= thisYear;
      det.appendChild(el('summary', null, 'Năm ' + y + ' (' + years[y].length + ')'));
      var t = el('table', 'grid');
      var body = el('tbody');
      years[y].forEach(function (i) {
        var d = list(name)[i];
        var p = name + '[' + i + ']';
        var tr = el('tr');
        tr.setAttribute('data-date', d.date || '');
        cell(tr, input(d, 'date', p + '.date', { type: 'date', label: 'Ngày / Date' }));
        cell(tr, input(d, 'name', p + '.name', { label: 'Tên / Name' }));
        var td = cell(tr);
        if (d.assumed === true) {
          var b = el('span', 'badge assumed', 'dự kiến / assumed');
          b.title = 'Ngày dự kiến, chưa có thông báo chính thức / expected, not yet announced';
          td.appendChild(b);
        }
        cell(tr, button('Bỏ / Remove', 'btn-danger', function () {
          list(name).splice(i, 1);
          renderHall();
        }));
        body.appendChild(tr);
      });
      t.appendChild(body);
      det.appendChild(t);
      box.appendChild(det);
    });
  }

  function renderCalendar() {
    renderDays('holidays-years', 'holidays');
    renderDays('working-years', 'working_days');
  }

  function addDay(name, dateID, nameID) {
    var date = $(dateID).value, text = $(nameID).value.trim();
    if (!date) { $(dateID).focus(); return; }
    var days = list(name);
    days.push({ date: date, name: text });
    days.sort(function (a, b) { return String(a.date).localeCompare(String(b.date)); });
    $(dateID).value = '';
    $(nameID).value = '';
    renderHall();
  }

  function renderHours() {
    var box = $('reception-box');
    box.textContent = '';
    if (!Array.isArray(state.hall.reception)) state.hall.reception = [];
    box.appendChild(labelled('Giờ tiếp nhận hồ sơ', 'Reception sessions',
      sessionsInput(state.hall, 'reception', 'reception', 'Giờ tiếp nhận / Reception')));
    var body = $('hours-table').tBodies[0];
    body.textContent = '';
    list('services').forEach(function (s, i) {
      var p = 'services[' + i + ']';
      var tr = el('tr');
      cell(tr, null).textContent = s.code + ' – ' + (s.name || '');
      cell(tr, sessionsInput(s, 'hours', p + '.hours', 'Giờ phát số ' + s.code + ' / Hours', 'cả ngày / all day'));
      cell(tr, input(s, 'daily_cap', p + '.daily_cap', { type: 'int', label: 'Tối đa mỗi ngày ' + s.code + ' / Daily cap' }));
      body.appendChild(tr);
    });
  }

  function renderPolicy() {
    var box = $('policy-box');
    box.textContent = '';
    var pol = section('policy');
    box.appendChild(labelled('Cách gọi người ưu tiên', 'Priority tickets', input(pol, 'priority', 'policy.priority', {
      type: 'select', options: [['strict', 'Luôn gọi trước / always first (strict)'],
        ['interleave', 'Xen kẽ / one after every N normal calls (interleave)'], ['none', 'Không ưu tiên / none']]
    })));
    box.appendChild(labelled('Số lượt thường giữa hai lượt ưu tiên (xen kẽ)', 'Normal calls between priority calls',
      input(pol, 'interleave_n', 'policy.interleave_n', { type: 'int' })));
    box.appendChild(labelled('Số lần gọi trước khi được đánh dấu vắng mặt', 'Calls before a no-show',
      input(pol, 'no_show_min_calls', 'policy.no_show_min_calls', { type: 'int' })));
    box.appendChild(labelled('Số phút người vắng mặt được quay lại chỗ cũ (0: không)', 'Minutes a no-show may come back (0: never)',
      input(pol, 'reactivate_minutes', 'policy.reactivate_minutes', { type: 'int' })));
    var dos = section('dossiers'), priv = section('privacy');
    box.appendChild(labelled('Cảnh báo hồ sơ sắp đến hạn trước (ngày làm việc)', 'At-risk window, working days',
      input(dos, 'at_risk_days', 'dossiers.at_risk_days', { type: 'int' })));
    box.appendChild(labelled('Xoá dữ liệu cá nhân sau (ngày, 0: không tự xoá)', 'Erase personal data after (days, 0: never)',
      input(priv, 'dossier_retention_days', 'privacy.dossier_retention_days', { type: 'int' })));
  }

  function renderGroups() {
    var body = $('groups-table').tBodies[0];
    body.textContent = '';
    var groups = list('priority_groups');
    groups.forEach(function (g, i) {
      var p = 'priority_groups[' + i + ']';
      var tr = el('tr');
      tr.setAttribute('data-code', g.code || '');
      cell(tr, input(g, 'code', p + '.code', { label: 'Mã / Code' }));
      cell(tr, input(g, 'name', p + '.name', { label: 'Tên / Name' }));
      cell(tr, input(g, 'name_en', p + '.name_en', { label: 'Tên tiếng Anh / English name' }));
      cell(tr, input(g, 'basis', p + '.basis', { label: 'Căn cứ / Basis' }));
      var td = cell(tr);
      if (i > 0) td.appendChild(button('↑', '', function () {
        groups.splice(i - 1, 0, groups.splice(i, 1)[0]);
        renderHall();
      }));
      td.appendChild(button('Bỏ / Remove', 'btn-danger', function () {
        groups.splice(i, 1);
        renderHall();
      }));
      body.appendChild(tr);
    });
  }

  function renderBranch() {
    var box = $('branch-box');
    box.textContent = '';
    var b = section('branch');
    var notice = input(b, 'notice', 'branch.notice', { type: 'textarea', rows: 3 });
    notice.id = 'branch-notice';
    box.appendChild(labelled('Dòng thông báo dưới màn hình sảnh', 'Notice under the hall display', notice));
    box.appendChild(labelled('Tên chi nhánh', 'Branch name', input(b, 'name', 'branch.name')));
    box.appendChild(labelled('Tên trung tâm', 'Center name', input(b, 'center_name', 'branch.center_name')));
    box.appendChild(labelled('Mã chi nhánh', 'Branch code', input(b, 'code', 'branch.code')));
    box.appendChild(labelled('Mã định danh đơn vị (đầu mã hồ sơ)', 'Unit code (starts dossier codes)', input(b, 'unit_code', 'branch.unit_code')));
  }

  // ---------- errors next to the fields ----------

  // showErrors puts each message under the control whose path is the
  // field's, or the nearest enclosing one ("services[1].hours[0].from" under
  // "services[1].hours"); the full message is at the top as well.
  function showErrors() {
    Array.prototype.forEach.call(document.querySelectorAll('.field-error[data-for]'), function (e) { e.remove(); });
    Array.prototype.forEach.call(document.querySelectorAll('.has-error'), function (e) { e.classList.remove('has-error'); });
    Object.keys(state.errors).forEach(function (path) {
      var target = null, p = path;
      while (p) {
        target = document.querySelector('[data-path="' + p.replace(/"/g, '\\"') + '"]');
        if (target) break;
        var up = p.replace(/(\.[^.[\]]+|\[\d+\])$/, '');
        if (up === p) break;
        p = up;
      }
      if (!target) return;
      target.classList.add('has-error');
      var msg = el('span', 'field-error', state.errors[path]);
      msg.setAttribute('data-for', path);
      msg.setAttribute('role', 'alert');
      target.insertAdjacentElement('afterend', msg);
    });
  }

  function refused(e) {
    state.errors = e.fields || {};
    var box = $('hall-errors');
    box.hidden = false;
    box.textContent = e.message;
    showErrors();
    // Open the first tab that has a field in error.
    var first = document.querySelector('.field-error[data-for]');
    var panel = first && first.closest('[data-panel]');
    if (panel && panel.hidden) showTab(panel.getAttribute('data-panel'));
  }

  // ---------- saving: dry run, confirm, apply ----------

  function review() {
    banner('');
    $('hall-errors').hidden = true;
    M.api('PUT', '/hall?dry_run=true', state.hall).then(function (ans) {
      state.errors = {};
      showErrors();
      var changes = ans.changes || [];
      if (!changes.length) {
        banner('Không có gì thay đổi. / Nothing changes.');
        state.original = JSON.stringify(state.hall);
        edited();
        return;
      }
      var ul = $('confirm-list');
      ul.textContent = '';
      changes.forEach(function (c) {
        var li = el('li');
        li.setAttribute('data-kind', c.kind);
        li.setAttribute('data-key', c.key);
        li.setAttribute('data-action', c.action);
        li.appendChild(el('span', 'act-' + c.action, label(ACTION, c.action)));
        li.appendChild(document.createTextNode(' ' + label(KIND, c.kind) + ' ' + c.key +
          (c.fields && c.fields.length ? ' (' + c.fields.join(', ') + ')' : '')));
        ul.appendChild(li);
      });
      // Codes the city's catalogue also has (issue 14): the hall's own wins.
      var clashes = ans.city_clashes || [], cl = $('confirm-clashes');
      cl.textContent = '';
      clashes.forEach(function (c) {
        var li = el('li');
        li.setAttribute('data-code', c.code);
        if (c.new) li.appendChild(el('span', 'act-clash', 'Mới / new'));
        li.appendChild(document.createTextNode((c.new ? ' ' : '') + c.code + ' – ' + c.name +
          ' (thành phố / city: ' + c.city_name + ')'));
        cl.appendChild(li);
      });
      $('confirm-city').hidden = !clashes.length;
      $('confirm-error').textContent = '';
      $('confirm-apply').disabled = false;
      $('confirm').showModal();
    }, refused);
  }

  function apply() {
    $('confirm-apply').disabled = true;
    M.api('PUT', '/hall', state.hall).then(function (ans) {
      $('confirm').close();
      var n = (ans.changes || []).length;
      return Promise.all([loadHall(), loadCounters().then(loadUsers), loadAudit(true), loadCity()]).then(function () {
        banner('Đã áp dụng ' + n + ' thay đổi. / ' + n + ' change(s) applied.');
      });
    }, function (e) {
      $('confirm-apply').disabled = false;
      if (e.status === 422 || e.status === 409) {
        $('confirm').close();
        refused(e);
      } else {
        $('confirm-error').textContent = e.message;
      }
    });
  }

  function discard() {
    banner('');
    loadHall().catch(showFailure);
  }

  // ---------- procedure catalogue import ----------

  function importCatalogue() {
    var file = $('procedures-file').files[0];
    if (!file) return;
    var format = /\.ya?ml$/i.test(file.name) ? 'yaml' : 'csv';
    $('import-error').textContent = '';
    var headers = { 'Content-Type': format === 'yaml' ? 'application/yaml' : 'text/csv', Accept: 'application/json' };
    if (M.session.token) headers.Authorization = 'Bearer ' + M.session.token;
    if (M.session.csrf) headers['X-CSRF-Token'] = M.session.csrf;
    file.arrayBuffer().then(function (buf) {
      return fetch('/api/v1/hall/procedures/import?format=' + format, { method: 'POST', headers: headers, body: buf, credentials: 'same-origin' });
    }).then(function (res) {
      return res.json().then(function (data) {
        if (!res.ok) throw new M.ApiError(res.status, data && data.error);
        return data;
      });
    }).then(function (data) {
      // Merge by code: an existing procedure takes the file's fields (its
      // other fields stay), a new one is added. Nothing is applied until saved.
      var procs = list('procedures'), byCode = {}, added = 0, changed = 0;
      procs.forEach(function (p) { byCode[p.code] = p; });
      (data.procedures || []).forEach(function (p) {
        if (byCode[p.code]) { Object.assign(byCode[p.code], p); changed++; } else { procs.push(p); added++; }
      });
      $('procedures-file').value = '';
      renderHall();
      banner('Đã đọc ' + (added + changed) + ' thủ tục (' + added + ' mới). Bấm "Kiểm tra và lưu" để áp dụng. / Read ' +
        (added + changed) + ' procedures (' + added + ' new). Review and save to apply.');
    }).catch(function (e) {
      var f = e.fields || {};
      $('import-error').textContent = e.message + Object.keys(f).map(function (k) { return '\n' + k + ': ' + f[k]; }).join('');
    });
  }

  // ---------- users ----------

  function counterNumber(id) {
    var c = state.counters.filter(function (x) { return x.id === id; })[0];
    return c ? c.number : '#' + id;
  }

  function loadUsers() {
    return M.api('GET', '/users').then(function (list) {
      state.users = list || [];
      renderUsers();
      renderUserCounters();
    });
  }

  function renderUsers() {
    var body = $('users-table').tBodies[0];
    body.textContent = '';
    state.users.forEach(function (u) {
      var tr = el('tr', u.disabled ? 'disabled' : '');
      tr.setAttribute('data-username', u.username);
      tr.setAttribute('data-user-id', u.id);
      cell(tr).textContent = u.username;
      cell(tr).textContent = u.full_name || '';
      cell(tr).textContent = label(ROLE, u.role);
      var counters = cell(tr);
      counters.className = 'user-counters';
      counters.textContent = (u.counter_ids || []).length ? (u.counter_ids || []).map(counterNumber).join(', ') : 'mọi quầy / any';
      cell(tr, el('span', 'badge ' + (u.disabled ? 'off' : 'on'), u.disabled ? 'Đã khoá / disabled' : 'Hoạt động / active'));
      cell(tr).textContent = u.last_login_at ? M.dmy(u.last_login_at, true) : '–';
      var td = cell(tr);
      td.appendChild(button('Sửa / Edit', 'user-edit', function () { editUser(u); }));
      td.appendChild(button(u.disabled ? 'Mở khoá / Enable' : 'Khoá / Disable', 'user-toggle' + (u.disabled ? '' : ' btn-danger'), function () {
        M.api('PATCH', '/users/' + u.id, { disabled: !u.disabled }).then(loadUsers, function (e) { $('user-form-error').textContent = e.message; });
      }));
      td.appendChild(button('Đặt lại mật khẩu / Reset password', 'user-reset', function () { openReset(u); }));
      body.appendChild(tr);
    });
  }

  function renderUserCounters() {
    var box = $('user-counters');
    var ticked = state.editingUser ? state.editingUser.counter_ids || [] : [];
    box.textContent = '';
    state.counters.forEach(function (c) {
      var l = el('label');
      var cb = el('input');
      cb.type = 'checkbox';
      cb.name = 'user-counter';
      cb.value = c.id;
      cb.setAttribute('data-number', c.number);
      cb.checked = ticked.indexOf(c.id) >= 0;
      l.appendChild(cb);
      l.appendChild(document.createTextNode(c.name || ('Quầy ' + c.number)));
      box.appendChild(l);
    });
  }

  function clearUserErrors(form) {
    Array.prototype.forEach.call(form.querySelectorAll('.field-error'), function (e) { e.remove(); });
    Array.prototype.forEach.call(form.querySelectorAll('.has-error'), function (e) { e.classList.remove('has-error'); });
  }

  // userRefused shows a 4xx next to the fields it names (a weak password
  // under the password).
  function userRefused(form, errorLine, e) {
    clearUserErrors(form);
    var fields = e.fields || {}, placed = 0;
    Object.keys(fields).forEach(function (name) {
      var target = form.querySelector('[data-field="' + name + '"]');
      if (!target) return;
      placed++;
      target.classList.add('has-error');
      var msg = el('span', 'field-error', fields[name]);
      msg.setAttribute('data-for', name);
      target.insertAdjacentElement('afterend', msg);
    });
    errorLine.textContent = e.message;
    if (e.status === 409 && !placed) {
      var u = form.querySelector('[data-field="username"]');
      if (u) { u.classList.add('has-error'); u.insertAdjacentElement('afterend', el('span', 'field-error', e.message)); }
    }
  }

  function editUser(u) {
    state.editingUser = u;
    $('user-form-title').textContent = 'Sửa tài khoản ' + u.username + ' / Edit';
    $('user-username').value = u.username;
    $('user-username').readOnly = true;
    $('user-fullname').value = u.full_name || '';
    $('user-role').value = u.role;
    $('user-password-label').hidden = true;
    $('user-submit').textContent = 'Lưu / Save';
    $('user-cancel').hidden = false;
    renderUserCounters();
    $('user-fullname').focus();
  }

  function resetUserForm() {
    state.editingUser = null;
    var f = $('user-form');
    f.reset();
    clearUserErrors(f);
    $('user-form-error').textContent = '';
    $('user-form-title').textContent = 'Thêm cán bộ / New staff member';
    $('user-username').readOnly = false;
    $('user-password-label').hidden = false;
    $('user-submit').textContent = 'Tạo tài khoản / Create';
    $('user-cancel').hidden = true;
    renderUserCounters();
  }

  function submitUser(ev) {
    ev.preventDefault();
    var form = $('user-form');
    var ids = Array.prototype.map.call(form.querySelectorAll('input[name="user-counter"]:checked'), function (cb) { return +cb.value; });
    var body = { full_name: $('user-fullname').value.trim(), role: $('user-role').value, counter_ids: ids };
    var req;
    if (state.editingUser) {
      req = M.api('PATCH', '/users/' + state.editingUser.id, body);
    } else {
      body.username = $('user-username').value.trim();
      body.password = $('user-password').value;
      req = M.api('POST', '/users', body);
    }
    req.then(function (u) {
      banner((state.editingUser ? 'Đã lưu ' : 'Đã tạo ') + u.username + '. / Saved.');
      resetUserForm();
      return loadUsers();
    }, function (e) { userRefused(form, $('user-form-error'), e); });
  }

  function openReset(u) {
    state.resetUser = u;
    $('reset-who').textContent = u.username;
    $('reset-form').hidden = false;
    $('reset-password').value = '';
    $('reset-error').textContent = '';
    clearUserErrors($('reset-form'));
    $('reset-password').focus();
  }

  function submitReset(ev) {
    ev.preventDefault();
    var u = state.resetUser;
    M.api('POST', '/users/' + u.id + '/password', { password: $('reset-password').value }).then(function () {
      $('reset-form').hidden = true;
      banner('Đã đặt lại mật khẩu của ' + u.username + '; các phiên đăng nhập của họ đã kết thúc. / Password reset; their sessions ended.');
    }, function (e) { userRefused($('reset-form'), $('reset-error'), e); });
  }

  // ---------- the city's procedure catalogue (read only) ----------

  // processingText words a procedure's processing time as the counter does.
  function processingText(p) {
    var text = p.processing_days > 0 ? p.processing_days + ' ngày làm việc' : 'trong ngày';
    if (p.processing_time && !/^\d+ ngày$/.test(p.processing_time)) text = p.processing_time.replace('.', ',') + ' làm việc';
    return text;
  }

  // loadCity reads the city's catalogue as applied here. The tab shows at a
  // hall that is joined to the city or ever got a catalogue.
  function loadCity() {
    return M.api('GET', '/city/procedures').then(function (cat) {
      state.city = cat;
      $('tab-city').hidden = !(cat.joined || cat.version > 0);
      renderCity();
    }, function (e) {
      if (e.status !== 404) throw e; // an older hub: no city tab
      $('tab-city').hidden = true;
    });
  }

  function renderCity() {
    var cat = state.city;
    if (!cat) return;
    var summary = $('city-summary');
    if (!cat.version) {
      summary.textContent = 'Sảnh chưa nhận danh mục thủ tục nào của thành phố. / No city catalogue received yet.';
      $('city-body').hidden = true;
      return;
    }
    summary.textContent = 'Đang áp dụng phiên bản ' + cat.version + ' (lần cập nhật số ' + cat.revision + '), công bố lúc ' +
      M.dmy(cat.published_at, true) + '. / Version ' + cat.version + ' (revision ' + cat.revision + ') applied, published ' +
      M.dmy(cat.published_at, true) + '.';
    $('city-body').hidden = false;
    var clash = {};
    (cat.clashes || []).forEach(function (c) { clash[c] = true; });
    var own = {};
    list('procedures').forEach(function (p) { own[p.code] = p; });
    var body = $('city-table').tBodies[0], cbody = $('city-clashes').tBodies[0], n = 0;
    body.textContent = '';
    cbody.textContent = '';
    (cat.procedures || []).forEach(function (p) {
      var tr = el('tr');
      tr.setAttribute('data-code', p.code);
      if (clash[p.code]) {
        cell(tr).textContent = p.code;
        cell(tr).textContent = own[p.code] ? own[p.code].name : '';
        cell(tr).textContent = p.name;
        cbody.appendChild(tr);
        return;
      }
      n++;
      cell(tr).textContent = p.code;
      cell(tr).textContent = p.name;
      cell(tr).textContent = p.field || '';
      cell(tr).textContent = processingText(p);
      body.appendChild(tr);
    });
    var clashes = (cat.clashes || []).length;
    $('city-count').textContent = '(' + n + ')';
    $('city-clash-count').textContent = '(' + clashes + ')';
    $('city-no-clash').hidden = clashes > 0;
    $('city-clashes').hidden = clashes === 0;
  }

  // ---------- audit ----------

  function loadAudit(fresh) {
    if (fresh) state.auditBefore = 0;
    var q = '/hall/audit?limit=100' + (state.auditBefore ? '&before=' + state.auditBefore : '');
    return M.api('GET', q).then(function (list) {
      var body = $('audit-table').tBodies[0];
      if (fresh) body.textContent = '';
      (list || []).forEach(function (a) {
        var tr = el('tr');
        tr.setAttribute('data-kind', a.kind);
        tr.setAttribute('data-key', a.key);
        cell(tr).textContent = M.dmy(a.at, true);
        cell(tr).textContent = a.user ? (a.user.full_name || a.user.username) : (a.source === 'load' ? 'Nạp lần đầu / first load' :
          a.source.indexOf('city:') === 0 ? 'Danh mục thành phố / city catalogue ' + a.source.slice(5) : a.source);
        var what = cell(tr);
        what.appendChild(el('span', 'act-' + a.action, label(ACTION, a.action)));
        what.appendChild(document.createTextNode(' ' + label(KIND, a.kind) + ' ' + a.key));
        cell(tr, diffList(a));
        body.appendChild(tr);
        state.auditBefore = a.id;
      });
      $('audit-more').hidden = (list || []).length < 100;
    });
  }

  function short(v) {
    var s = typeof v === 'string' ? v : JSON.stringify(v);
    return s === undefined ? '∅' : (s.length > 120 ? s.slice(0, 117) + '…' : s);
  }

  function diffList(a) {
    var ul = el('ul', 'diff');
    var before = a.before || {}, after = a.after || {};
    if (a.action === 'change' && a.fields && a.fields.length && typeof before === 'object' && typeof after === 'object' && !Array.isArray(after)) {
      a.fields.forEach(function (f) {
        var li = el('li');
        li.appendChild(document.createTextNode(f + ': '));
        li.appendChild(el('code', null, short(before[f])));
        li.appendChild(document.createTextNode(' → '));
        li.appendChild(el('code', null, short(after[f])));
        ul.appendChild(li);
      });
    } else {
      var li = el('li');
      li.appendChild(el('code', null, a.action === 'retire' || a.action === 'change' ? short(a.before) : '∅'));
      li.appendChild(document.createTextNode(' → '));
      li.appendChild(el('code', null, a.action === 'retire' ? '∅' : short(a.after)));
      ul.appendChild(li);
    }
    return ul;
  }

  // ---------- wiring ----------

  function init() {
    $('login-form').addEventListener('submit', onLogin);
    $('btn-logout').addEventListener('click', onLogout);
    $('tabs').addEventListener('click', function (e) {
      var b = e.target.closest('button[data-tab]');
      if (b) showTab(b.getAttribute('data-tab'));
    });
    $('btn-review').addEventListener('click', review);
    $('btn-discard').addEventListener('click', discard);
    $('confirm-apply').addEventListener('click', apply);
    $('confirm-cancel').addEventListener('click', function () { $('confirm').close(); });
    $('add-service').addEventListener('click', function () {
      list('services').push({ code: '', name: '', name_en: '', field: '', prefix: '', hours: [], daily_cap: 0 });
      renderHall();
      var rows = $('services-table').tBodies[0].rows;
      rows[rows.length - 1].querySelector('input').focus();
    });
    $('add-counter').addEventListener('click', function () {
      var max = list('counters').reduce(function (m, c) { return Math.max(m, +c.number || 0); }, 0);
      list('counters').push({ number: max + 1, name: 'Quầy ' + (max + 1), services: [] });
      renderHall();
    });
    $('add-procedure').addEventListener('click', function () {
      list('procedures').unshift({ code: '', name: '', field: '', agency: '', fee: '', documents: [], service: '' });
      $('procedures-search').value = '';
      renderHall();
    });
    $('add-group').addEventListener('click', function () {
      list('priority_groups').push({ code: '', name: '', name_en: '', basis: 'Quy định của địa phương / local rule' });
      renderHall();
    });
    $('add-holiday').addEventListener('click', function () { addDay('holidays', 'new-holiday-date', 'new-holiday-name'); });
    $('add-working').addEventListener('click', function () { addDay('working_days', 'new-working-date', 'new-working-name'); });
    $('procedures-search').addEventListener('input', function () { renderProcedures(); showErrors(); });
    $('procedures-file').addEventListener('change', importCatalogue);
    $('user-form').addEventListener('submit', submitUser);
    $('user-cancel').addEventListener('click', resetUserForm);
    $('reset-form').addEventListener('submit', submitReset);
    $('reset-cancel').addEventListener('click', function () { $('reset-form').hidden = true; });
    $('audit-more').addEventListener('click', function () { loadAudit(false); });
    window.addEventListener('beforeunload', function (e) {
      if (!$('save-bar').hidden) { e.preventDefault(); e.returnValue = ''; }
    });

    M.onUnauthorized = function () { showLogin('Phiên đăng nhập đã hết, vui lòng đăng nhập lại. / Please sign in again.'); };
    try { state.user = JSON.parse(sessionStorage.getItem(USER_KEY) || 'null'); } catch (e) { state.user = null; }
    var tab = /^#(\w+)$/.exec(location.hash);
    showTab(tab && document.querySelector('[data-panel="' + tab[1] + '"]') ? tab[1] : 'users');
    if (M.session.token && state.user) showWork(); else showLogin('');
  }

  init();
})();
