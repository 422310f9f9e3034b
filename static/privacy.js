// The supervisor's register of citizens' requests about their personal data
// (Law 91/2025/QH15): record a request, see what is due, record the answer.
'use strict';
(function () {
  const KIND = { access: 'Xem dữ liệu', correct: 'Chỉnh sửa', delete: 'Xóa' };
  const OUTCOME = { done: 'Đã thực hiện', partial: 'Thực hiện một phần', refused: 'Từ chối (nêu căn cứ)' };
  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  const dt = (s) => motcua.dmy(s, true);

  function showFieldErrors(form, fields) {
    form.querySelectorAll('.pv-err').forEach((p) => { p.textContent = fields[p.dataset.for] || ''; });
  }

  async function load() {
    const body = $('pv-list');
    let list;
    try {
      list = await motcua.api('GET', '/privacy-requests');
    } catch (e) {
      body.textContent = '';
      const tr = el('tr'); const td = el('td', '', e.message); td.colSpan = 7; tr.append(td); body.append(tr);
      return;
    }
    body.textContent = '';
    if (!list.length) {
      const tr = el('tr'); const td = el('td', '', 'Chưa có yêu cầu nào. / No request yet.'); td.colSpan = 7; tr.append(td); body.append(tr);
      return;
    }
    for (const p of list) body.append(row(p));
  }

  function row(p) {
    const tr = el('tr', p.overdue ? 'overdue' : '');
    tr.dataset.id = p.id;
    tr.append(el('td', '', String(p.id)), el('td', '', dt(p.received_at)), el('td', '', KIND[p.kind] || p.kind));
    tr.append(el('td', '', p.requester + ' · ' + p.contact + (p.dossier_code ? ' · ' + p.dossier_code : '')));
    tr.append(el('td', '', p.detail));
    tr.append(el('td', 'due', dt(p.due_at) + (p.overdue ? ' (quá hạn)' : '')));
    const ans = el('td');
    if (p.answered_at) {
      ans.append(el('div', '', (OUTCOME[p.outcome] || p.outcome) + ', ' + dt(p.answered_at)), el('div', '', p.answer));
    } else {
      ans.append(answerForm(p));
    }
    tr.append(ans);
    return tr;
  }

  function answerForm(p) {
    const f = el('form', 'pv-answer');
    f.noValidate = true;
    const sel = el('select');
    sel.setAttribute('aria-label', 'Kết quả / Outcome');
    for (const [v, t] of Object.entries(OUTCOME)) { const o = el('option', '', t); o.value = v; sel.append(o); }
    const txt = el('input');
    txt.setAttribute('aria-label', 'Nội dung trả lời / Answer');
    txt.placeholder = 'Nội dung đã trả lời công dân';
    txt.maxLength = 1000;
    const btn = el('button', '', 'Ghi trả lời');
    btn.type = 'submit';
    const err = el('p', 'pv-err');
    f.append(sel, txt, btn, err);
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await motcua.api('POST', `/privacy-requests/${p.id}/answer`, { outcome: sel.value, answer: txt.value });
        load();
      } catch (x) {
        err.textContent = Object.values(x.fields || {}).join(' ') || x.message;
      }
    });
    return f;
  }

  async function submit(e) {
    e.preventDefault();
    const form = $('pv-form');
    const body = { kind: $('pv-kind').value, requester: $('pv-requester').value, contact: $('pv-contact').value,
      dossier_code: $('pv-code').value, detail: $('pv-detail').value };
    try {
      const p = await motcua.api('POST', '/privacy-requests', body);
      showFieldErrors(form, {});
      form.reset();
      $('pv-message').textContent = `Đã ghi yêu cầu số ${p.id}, hạn trả lời ${dt(p.due_at)}. / Recorded, due ${dt(p.due_at)}.`;
      load();
    } catch (x) {
      showFieldErrors(form, x.fields || {});
      $('pv-message').textContent = x.message;
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('pv-form').addEventListener('submit', submit);
    load();
  });
})();
