// Supervisor page, issue 15: low ratings as they come (/ws/supervisor), the
// queue report (table and a bar chart of tickets issued) and the
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

  function chart(rows) {
    const svg = $('qr-chart');
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const max = Math.max(1, ...rows.map((r) => r.issued));
    const w = 100 / Math.max(rows.length, 1);
    rows.forEach((r, i) => {
      const h = (r.issued / max) * 100;
      const bar = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
      bar.setAttribute('x', (i * w + w * 0.1) + '%');
      bar.setAttribute('width', (w * 0.8) + '%');
      bar.setAttribute('y', (100 - h) + '%');
      bar.setAttribute('height', h + '%');
      bar.setAttribute('fill', '#0b4f8a');
      const t = document.createElementNS('http://www.w3.org/2000/svg', 'title');
      t.textContent = r.label + ': ' + r.issued;
      bar.appendChild(t);
      svg.appendChild(bar);
    });
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
      chart(rows);
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

  function alerts() {
    if (!token()) { setTimeout(alerts, 2000); return; }
    const proto = location.protocol === 'https:' ? 'wss://' : 'ws://';
    const ws = new WebSocket(proto + location.host + '/ws/supervisor?token=' + encodeURIComponent(token()));
    ws.onmessage = (m) => {
      const ev = JSON.parse(m.data);
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
    alerts();
  });
})();
