// The city page (motcua registry): every branch live over /ws/city, one
// branch in detail, a dossier of any branch by its code. No personal data
// reaches the registry, so none is shown.
(function () {
  'use strict';
  var M = window.motcua;
  var $ = function (id) { return document.getElementById(id); };
  var branches = [], chosen = '', live = null;

  function text(el, s) { el.textContent = s == null ? '' : String(s); return el; }
  function cell(tr, s) { tr.appendChild(text(document.createElement('td'), s)); }

  function link(b) {
    if (b.revoked) return 'Đã thu hồi / Revoked';
    if (b.online) return '● Trực tuyến từ ' + M.dmy(b.online_since, true) + ' / online';
    return '○ Mất kết nối' + (b.last_seen ? ', lần cuối ' + M.dmy(b.last_seen, true) : '') + ' / offline';
  }

  function render() {
    var sum = { online: 0, waiting: 0, serving: 0, overdue: 0, at_risk: 0, received_today: 0 };
    var body = $('branches').tBodies[0];
    body.textContent = '';
    branches.forEach(function (b) {
      Object.keys(sum).forEach(function (k) { sum[k] += k === 'online' ? (b.online ? 1 : 0) : (b[k] || 0); });
      var tr = document.createElement('tr');
      tr.tabIndex = 0;
      tr.dataset.code = b.code;
      if (b.code === chosen) tr.className = 'chosen';
      cell(tr, b.code + ' – ' + b.name);
      cell(tr, link(b));
      cell(tr, b.waiting);
      cell(tr, b.serving);
      cell(tr, b.overdue);
      cell(tr, b.at_risk);
      cell(tr, b.received_today);
      tr.addEventListener('click', function () { chosen = b.code; render(); });
      tr.addEventListener('keydown', function (e) { if (e.key === 'Enter') { chosen = b.code; render(); } });
      body.appendChild(tr);
    });
    text($('count-online'), sum.online + '/' + branches.length);
    text($('count-waiting'), sum.waiting);
    text($('count-serving'), sum.serving);
    text($('count-overdue'), sum.overdue);
    text($('count-atrisk'), sum.at_risk);
    text($('count-received'), sum.received_today);
    var b = branches.filter(function (x) { return x.code === chosen; })[0];
    $('detail').hidden = !b;
    if (!b) return;
    text($('detail-title'), b.name + ' (' + b.code + ')');
    var dl = $('detail-list');
    dl.textContent = '';
    [['Mã đơn vị / Unit code', b.unit_code], ['Kết nối / Link', link(b)], ['Đang chờ / Waiting', b.waiting],
      ['Đang phục vụ / Serving', b.serving], ['Quá hạn / Overdue', b.overdue], ['Sắp quá hạn / At risk', b.at_risk],
      ['Hồ sơ hôm nay / Dossiers today', b.received_today], ['Sự kiện cuối / Last event', b.last_seq]].forEach(function (row) {
      dl.appendChild(text(document.createElement('dt'), row[0]));
      dl.appendChild(text(document.createElement('dd'), row[1]));
    });
  }

  function start() {
    $('view-login').hidden = true;
    $('view-work').hidden = false;
    $('btn-logout').hidden = false;
    live = M.live({
      url: function () { return '/ws/city?token=' + encodeURIComponent(M.session.token); },
      message: function (msg) {
        if (msg.type !== 'snapshot') return;
        branches = msg.branches || [];
        text($('updated'), 'Cập nhật ' + new Date().toLocaleTimeString('vi-VN'));
        render();
      },
      state: function (open) { $('conn-mark').hidden = open; },
      silenceMs: 70000,
      beforeRetry: function () {
        return M.api('GET', '/city/branches').then(function () { return true; }, function (e) { return e.status !== 401; });
      }
    });
  }

  function showLogin() {
    if (live) { live.close(); live = null; }
    M.session.clear();
    $('view-work').hidden = true;
    $('btn-logout').hidden = true;
    $('view-login').hidden = false;
  }
  M.onUnauthorized = showLogin;

  $('login-form').addEventListener('submit', function (e) {
    e.preventDefault();
    M.signIn().then(function (login) { if (login) start(); });
  });
  $('btn-logout').addEventListener('click', function () {
    M.api('POST', '/auth/logout').then(showLogin, showLogin);
  });
  $('lookup-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var out = $('lookup-result');
    text(out, '…');
    M.api('GET', '/city/dossiers/' + encodeURIComponent($('lookup-code').value.trim())).then(function (d) {
      text(out, d.code + ': ' + M.dossierStatus(d.status) + ' – ' + d.procedure + ' – nhận tại / received at ' +
        d.branch.name + ' (' + d.branch.code + ') ' + M.dmy(d.received_at) + ', hẹn trả / due ' + M.dmy(d.due_at) +
        (d.overdue ? ' – QUÁ HẠN / OVERDUE' : ''));
    }, function (err) { text(out, err.message); });
  });

  if (M.session.token) start(); else showLogin();
})();
