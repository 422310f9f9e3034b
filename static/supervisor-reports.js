// Supervisor page, issue 15: the floor live (counters, alerts, calls that
// skipped someone) and low ratings as they come (/ws/supervisor), the
// queue report (a table, and uPlot charts: waits by day or hour, served per
// counter, the busiest hours of the week, satisfaction by day) and the
// satisfaction report. Dates are typed dd/mm/yyyy.
(function () {
  'use strict';
  const TOKEN_KEY = 'motcua.token';
  const $ = (id) => document.getElementById(id);
  const token = () => sessionStorage.getItem(TOKEN_KEY) || '';
  const pad = (n) => String(n).padStart(2, '0');
  const ddmmyyyy = (d) => pad(d.getDate()) + '/' + pad(d.getMonth() + 1) + '/' + d.getFullYear();
  const iso = (s) => {
    const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec((s || '').trim());
    return m ? m[3] + '-' + pad(m[2]) + '-' + pad(m[1]) : '';
  };
  const secs = (s) => (s == null ? '–' : Math.round(s / 60) + '′');
  const pct = (r) => (r == null ? '–' : Math.round(r * 1000) / 10 + '%');

  function cell(tr, text) { const td = document.createElement('td'); td.textContent = text; tr.appendChild(td); }

  async function get(path) {
    const res = await fetch('/api/v1' + path, { headers: { Authorization: 'Bearer ' + token() } });
    const data = await res.json().catch(() => null);
    if (!res.ok) throw new Error((data && data.error && data.error.message) || 'HTTP ' + res.status);
    return data;
  }

  // Charts: uPlot (static/vendor/uplot), bars over categories (days, hours,
  // counters...) with the labels on the x axis; lines for a second figure.
  const BLUE = '#0b4f8a', ORANGE = '#c0561b', GREEN = '#2e7d32';
  const WEEKDAYS = ['Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy', 'Chủ nhật'];
  const WEEK_COLORS = ['#0b4f8a', '#2e7d32', '#c0561b', '#6a1b9a', '#00838f', '#9e9d24', '#ad1457'];
  const plots = {};

  // plot draws into #id: labels on x, series [{label, values, color, bars}].
  function plot(id, labels, series, yLabel) {
    const el = $(id);
    if (plots[id]) { plots[id].destroy(); delete plots[id]; }
    el.textContent = '';
    if (!labels.length || typeof uPlot === 'undefined') {
      const p = document.createElement('p');
      p.className = 'none';
      p.textContent = 'Không có số liệu.';
      el.appendChild(p);
      return;
    }
    const xs = labels.map((_, i) => i);
    const width = Math.max(280, el.clientWidth || el.parentNode.clientWidth || 480);
    const step = Math.max(1, Math.ceil(labels.length / Math.max(2, Math.floor(width / 70))));
    const opts = {
      width, height: 190,
      legend: { show: series.length > 1 },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false, range: [-0.6, labels.length - 0.4] }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [
        { splits: () => xs.filter((i) => i % step === 0), values: (u, splits) => splits.map((i) => labels[i] || ''), size: 36 },
        { label: yLabel || '', size: 48 },
      ],
      series: [{ label: 'Nhóm', value: (u, i) => (i == null ? '' : labels[i] || '') }].concat(series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: s.bars ? 1 : 2,
        fill: s.bars ? s.color + 'aa' : undefined,
        paths: s.bars ? uPlot.paths.bars({ size: [0.7, 48] }) : undefined,
        points: { show: !s.bars },
      }))),
    };
    plots[id] = new uPlot(opts, [xs].concat(series.map((s) => s.values)), el);
    el.dataset.points = String(labels.length);
  }

  const mins = (s) => (s == null ? null : Math.round(s / 6) / 10);

  function waitChart(rows, by) {
    $('chart-wait-by').textContent = by === 'hour' ? '– theo giờ' : by === 'day' ? '– theo ngày' : '';
    plot('chart-wait', rows.map((r) => r.label), [
      { label: 'Chờ p50', values: rows.map((r) => mins(r.wait_p50_s)), color: BLUE, bars: true },
      { label: 'Chờ p90', values: rows.map((r) => mins(r.wait_p90_s)), color: ORANGE },
    ], 'phút');
  }

  function counterChart(rows) {
    plot('chart-counter', rows.map((r) => r.label), [
      { label: 'Xong', values: rows.map((r) => r.served), color: GREEN, bars: true },
    ], 'lượt');
  }

  // weekChart: one line per weekday over the hours of the day.
  function weekChart(rows) {
    const hours = [...new Set(rows.map((r) => Number(r.key.split('-')[1])))].sort((a, b) => a - b);
    const series = [];
    for (let d = 1; d <= 7; d++) {
      const byHour = {};
      rows.filter((r) => Number(r.key.split('-')[0]) === d).forEach((r) => { byHour[Number(r.key.split('-')[1])] = r.issued_per_day; });
      if (!Object.keys(byHour).length) continue;
      series.push({ label: WEEKDAYS[d - 1], values: hours.map((h) => (byHour[h] == null ? null : byHour[h])), color: WEEK_COLORS[d - 1] });
    }
    plot('chart-week', hours.map((h) => pad(h) + 'h'), series, 'phiếu/ngày');
  }

  function satChart(rows) {
    plot('chart-sat', rows.map((r) => r.label), [
      { label: 'Hài lòng', values: rows.map((r) => (r.satisfied_rate == null ? null : Math.round(r.satisfied_rate * 1000) / 10)), color: GREEN, bars: true },
      { label: 'Lượt đánh giá', values: rows.map((r) => r.ratings), color: BLUE },
    ], '%');
  }

  async function load(ev) {
    if (ev) ev.preventDefault();
    const from = iso($('qr-from').value), to = iso($('qr-to').value), by = $('qr-by').value;
    $('qr-error').textContent = '';
    if (!from || !to) { $('qr-error').textContent = 'Nhập ngày dạng dd/mm/yyyy.'; return; }
    const q = '?from=' + from + '&to=' + to + '&group_by=';
    try {
      const rows = await get('/reports/queue' + q + by);
      const body = $('qr-table').tBodies[0];
      body.textContent = '';
      rows.forEach((r) => {
        const tr = document.createElement('tr');
        [r.label, r.issued, r.served, r.no_show, r.transferred, secs(r.wait_p50_s), secs(r.wait_p90_s),
          secs(r.service_p50_s), pct(r.within_target_rate)].forEach((v) => cell(tr, String(v)));
        body.appendChild(tr);
      });
      const waitBy = by === 'day' || by === 'hour' ? by : 'day';
      const [waitRows, counterRows, weekRows, satDays] = await Promise.all([
        waitBy === by ? rows : get('/reports/queue' + q + waitBy),
        by === 'counter' ? rows : get('/reports/queue' + q + 'counter'),
        by === 'weekhour' ? rows : get('/reports/queue' + q + 'weekhour'),
        get('/reports/satisfaction' + q + 'day'),
      ]);
      waitChart(waitRows, waitBy);
      counterChart(counterRows);
      weekChart(weekRows);
      satChart(satDays);
      const satBy = by === 'hour' || by === 'weekhour' ? 'day' : by;
      const sat = await get('/reports/satisfaction' + q + satBy);
      const sb = $('sat-table').tBodies[0];
      sb.textContent = '';
      sat.forEach((r) => {
        const tr = document.createElement('tr');
        [r.label, r.ratings, r.avg_score, pct(r.satisfied_rate)].forEach((v) => cell(tr, String(v)));
        sb.appendChild(tr);
      });
    } catch (e) {
      $('qr-error').textContent = e.message;
    }
  }

  // The floor (live supervision): counters, their officers, what they do and
  // for how long; durations tick locally between refreshes.
  let floor = null, floorAt = 0, floorTimer = null;
  const STATUS = { idle: 'rảnh', calling: 'đang gọi', serving: 'đang phục vụ' };
  const dur = (s) => {
    if (s == null) return '–';
    s = Math.max(0, Math.floor(s));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), x = s % 60;
    return (h ? h + ' giờ ' : '') + (h || m ? m + '′' + pad(x) : String(x)) + '″';
  };
  const hhmm = (t) => String(t).slice(11, 16); // the hub writes branch-local times

  function alertText(a) {
    if (a.kind === 'wait_over_target') {
      return 'Số ' + a.ticket.number + ' (' + a.service + ') đã chờ ' + dur(a.for_s) + ', quá mục tiêu ' + Math.round(a.target_s / 60) + '′';
    }
    return (a.counter ? a.counter.name : 'Quầy') + (a.officer ? ' (' + a.officer.full_name + ')' : '') + ' rảnh ' + dur(a.for_s) +
      ' trong khi ' + a.waiting + ' người chờ';
  }

  function addAlert(a) {
    const list = $('floor-alerts');
    const empty = list.querySelector('.empty');
    if (empty) empty.remove();
    const li = document.createElement('li');
    li.className = 'alert ' + a.kind;
    li.textContent = hhmm(a.at) + ' – ' + alertText(a);
    list.prepend(li);
    while (list.children.length > 30) list.lastChild.remove();
  }

  function renderFloor() {
    if (!floor) return;
    const el = (Date.now() - floorAt) / 1000;
    const body = $('floor-table').tBodies[0];
    body.textContent = '';
    floor.counters.forEach((c) => {
      const tr = document.createElement('tr');
      tr.className = 'floor-' + c.status + (c.signed_in ? ' signed-in' : '');
      tr.dataset.counter = String(c.number);
      [c.name, c.officer ? c.officer.full_name + (c.signed_in ? '' : ' (không mở màn hình)') : '–', STATUS[c.status] || c.status,
        c.current ? c.current.ticket.number + (c.current.service ? ' (' + c.current.service + ')' : '') : '', c.current ? dur(c.current.for_s + el) : '',
        c.status === 'idle' && c.idle_s != null ? dur(c.idle_s + el) : '', c.waiting, c.served_today, c.out_of_order_today || '']
        .forEach((v) => cell(tr, String(v)));
      body.appendChild(tr);
    });
  }

  function renderSkips() {
    const list = $('floor-skips');
    list.textContent = '';
    if (!floor.out_of_order.length) {
      const li = document.createElement('li'); li.className = 'empty'; li.textContent = 'Chưa có.'; list.appendChild(li); return;
    }
    floor.out_of_order.forEach((o) => {
      const li = document.createElement('li');
      li.className = 'alert skipped-call';
      li.textContent = hhmm(o.at) + ' – ' + (o.counter ? o.counter.name : '') + (o.officer ? ' (' + o.officer.full_name + ')' : '') +
        ' gọi số ' + o.ticket.number + ', vượt ' + o.skipped.join(', ') + (o.reason ? ' – lý do: “' + o.reason + '”' : '');
      list.appendChild(li);
    });
  }

  function showFloor(f) {
    floor = f; floorAt = Date.now();
    renderFloor();
    renderSkips();
  }

  function refreshFloor() {
    clearTimeout(floorTimer);
    floorTimer = setTimeout(() => { get('/supervisor/floor').then(showFloor).catch(() => {}); }, 200);
  }

  function alerts() {
    if (!token()) { setTimeout(alerts, 2000); return; }
    const proto = location.protocol === 'https:' ? 'wss://' : 'ws://';
    const ws = new WebSocket(proto + location.host + '/ws/supervisor?token=' + encodeURIComponent(token()));
    ws.onmessage = (m) => {
      const ev = JSON.parse(m.data);
      if (ev.type === 'snapshot') {
        if (ev.floor) {
          $('floor-alerts').textContent = '';
          showFloor(ev.floor);
          (ev.floor.alerts || []).forEach(addAlert);
        }
        return;
      }
      if (ev.type === 'alert') { addAlert(ev); refreshFloor(); return; }
      if (ev.type === 'call' || ev.type === 'ticket' || ev.type === 'queue') { refreshFloor(); return; }
      if (ev.type !== 'rating') return;
      const list = $('rating-alerts');
      const empty = list.querySelector('.empty');
      if (empty) empty.remove();
      const li = document.createElement('li');
      li.className = 'alert low-rating';
      li.textContent = ev.score + '★ – số ' + ev.ticket.number + (ev.counter ? ', ' + ev.counter.name : '') +
        (ev.staff_name ? ', ' + ev.staff_name : '') + (ev.reasons && ev.reasons.length ? ': ' + ev.reasons.join(', ') : '') +
        (ev.comment ? ' – “' + ev.comment + '”' : '');
      list.prepend(li);
      if ($('qr-from').value) load();
    };
    ws.onclose = () => setTimeout(alerts, 3000);
  }

  document.addEventListener('DOMContentLoaded', () => {
    const today = new Date();
    $('qr-from').value = ddmmyyyy(new Date(today.getFullYear(), today.getMonth(), 1));
    $('qr-to').value = ddmmyyyy(today);
    $('qr-form').addEventListener('submit', load);
    setInterval(renderFloor, 1000);
    alerts();
  });
})();
