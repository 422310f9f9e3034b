// Dossier panel of the counter workstation (Tạo hồ sơ / Create dossier).
// counter.js tells us the current ticket through the 'motcua:current-ticket'
// event; we talk to the dossier API with the same session token. Every text
// from the server goes into the page with textContent, never as HTML.
// Personal data typed here is sent to the hub and then cleared from the form.
'use strict';

(function () {
  const MAX_MATCHES = 8;
  const STATUS = motcua.DOSSIER_STATUS;
  const ACTIONS = {
    transfer: ['Chuyển cơ quan giải quyết', 'Transfer'],
    start_processing: ['Bắt đầu giải quyết', 'Start processing'],
    request_supplement: ['Yêu cầu bổ sung', 'Request supplement'],
    supplement_received: ['Đã nhận bổ sung', 'Supplement received'],
    result_ready: ['Có kết quả', 'Result ready'],
    return: ['Trả kết quả', 'Return result'],
    reject: ['Từ chối', 'Reject'],
    extend: ['Gia hạn (cần xác minh)', 'Extend (verification)'],
    stop: ['Dừng giải quyết', 'Stop'],
  };
  const NOTE_PROMPT = {
    request_supplement: 'Giấy tờ cần bổ sung và lý do / What is missing and why',
    reject: 'Lý do từ chối / Reason for the refusal',
    extend: 'Lý do gia hạn: cần xác minh gì / Why: what must be verified',
    stop: 'Lý do dừng giải quyết (gửi công dân) / Why it stops (for the citizen)',
  };
  // 422 field keys → the input next to which the message shows.
  const FIELD_INPUT = {
    procedure_id: 'dp-proc-search', 'applicant.name': 'dp-name', 'applicant.id_number': 'dp-id',
    'applicant.phone': 'dp-phone', 'applicant.address': 'dp-address', 'applicant.email': 'dp-email',
    'applicant.kind': 'dp-kind', 'applicant.nationality': 'dp-nationality',
    'applicant.org_code': 'dp-org-code', 'applicant.org_name': 'dp-org-name',
    documents: 'dp-docs', document_details: 'dp-docs', sets: 'dp-sets', delivery_address: 'dp-delivery-address', note: 'dp-note',
  };
  // When a marked field counts as corrected, as the hub would judge it; its
  // error then goes at once, without waiting for the next submit.
  const digits = (v) => v.replace(/[\s.\-()]/g, '');
  const FIELD_OK = {
    'applicant.name': (v) => v.trim() !== '',
    'applicant.id_number': (v) => idNumberOK($('dp-kind').value, v),
    'applicant.nationality': (v) => /^([A-Z]{3}|D)$/.test(v.trim().toUpperCase()),
    'applicant.org_code': (v) => /^\d{10}(-\d{3})?$/.test(v.replace(/\s/g, '')),
    'applicant.org_name': (v) => v.trim() !== '',
    'applicant.phone': (v) => /^(0\d{9,10}|\+84\d{9,10})$/.test(digits(v)),
    'applicant.address': (v) => v.trim() !== '',
    'applicant.email': (v) => v.trim() === '' || /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v.trim()),
    sets: (v) => Number(v) >= 1 && Number(v) <= 50,
    delivery_address: (v) => v.trim() !== '',
    note: (v) => v.length <= 1000,
  };
  // The QR on a chip ID card (CCCD): number|old number|name|ddmmyyyy birth|sex|address|ddmmyyyy issued.
  // The thẻ căn cước (from 1/7/2024) starts with the same seven fields and may
  // carry more after them (relatives' names and numbers), which are never kept.
  const ID_CARD_QR = /^\s*(\d{12})\|(\d{9}|\d{12})?\|([^|]+)\|(\d{8})\|([^|]*)\|([^|]*)\|(\d{8})(\|[^|]*)*\s*$/;
  // The thẻ căn cước replaced the CCCD on 1/7/2024 (Law 26/2023/QH15).
  const CAN_CUOC_FROM = '20240701';
  // Labels of the ID number by applicant kind.
  const ID_LABEL = {
    cccd: ['Số CCCD', 'ID number (12 digits)'],
    can_cuoc: ['Số định danh cá nhân (thẻ căn cước)', 'Personal ID number (12 digits)'],
    passport: ['Số hộ chiếu', 'Passport number'],
    organisation: ['Số CCCD / hộ chiếu của người nộp', 'ID or passport of the person submitting'],
  };
  const NAME_LABEL = {
    organisation: ['Họ và tên người nộp thay tổ chức', 'Person submitting for the organisation'],
  };
  function idNumberOK(kind, v) {
    const plain = digits(v).toUpperCase();
    const passport = /^(?=.*\d)[A-Z0-9]{6,9}$/.test(plain);
    if (kind === 'passport') return passport;
    if (kind === 'organisation') return /^\d{12}$/.test(plain) || passport;
    return /^\d{12}$/.test(plain);
  }

  const state = {
    ticket: null,
    procedures: null, // loaded on first use
    services: new Map(),
    chosen: null, // the chosen procedure
    matches: [],
    active: -1,
    dossiers: [],
    busy: false,
  };

  const $ = (id) => document.getElementById(id);

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function bi(vi, en) {
    const f = document.createDocumentFragment();
    f.append(document.createTextNode(vi + ' '), el('span', 'en', en));
    return f;
  }

  // "Đăng ký" → "dang ky": searches typed without accents find accented names.
  const fold = motcua.fold;
  const api = motcua.api;

  // ---------- dates ----------

  // The hub writes times in the branch's own offset; show them as written.
  function dateText(iso) {
    const t = motcua.time(iso);
    return t ? `${t.hm} ${t.dmy}` : '';
  }

  // ---------- following the current ticket ----------

  function canHaveDossiers(t) {
    return t && ['called', 'serving', 'done'].includes(t.status);
  }

  function onCurrentTicket(ev) {
    const t = ev.detail && ev.detail.ticket;
    const before = state.ticket;
    state.ticket = canHaveDossiers(t) ? t : null;
    $('dossier-panel').hidden = !state.ticket;
    if (!state.ticket) {
      if (before) closeForms();
      return;
    }
    $('dp-ticket').textContent = state.ticket.number;
    if (!before || before.id !== state.ticket.id) {
      closeForms();
      setMessage('');
      state.dossiers = [];
      renderList();
      refreshList();
    }
  }

  async function refreshList() {
    const t = state.ticket;
    if (!t) return;
    try {
      const list = await api('GET', `/tickets/${t.id}/dossiers`);
      if (!state.ticket || state.ticket.id !== t.id) return;
      state.dossiers = Array.isArray(list) ? list.slice().reverse() : []; // oldest first
      renderList();
    } catch (err) {
      setMessage(err.message, 'error');
    }
  }

  function setMessage(text, kind) {
    const p = $('dp-message');
    p.textContent = text || '';
    p.dataset.kind = kind || 'info';
  }

  // ---------- the list of this visit's dossiers ----------

  function renderList() {
    const list = $('dp-list');
    list.replaceChildren();
    if (!state.dossiers.length) {
      list.append(el('li', 'dp-empty', 'Lượt này chưa có hồ sơ. / No dossier for this visit yet.'));
      return;
    }
    for (const d of state.dossiers) list.append(dossierItem(d));
  }

  function dossierItem(d) {
    const li = el('li', 'dp-item' + (d.overdue ? ' overdue' : ''));
    li.dataset.dossierId = d.id;
    li.dataset.code = d.code;
    const head = el('div', 'dp-item-head');
    head.append(el('span', 'dp-code', d.code));
    const [vi, en] = STATUS[d.status] || [d.status, d.status];
    const chip = el('span', 'dp-status');
    chip.dataset.status = d.status;
    chip.append(bi(vi, en));
    head.append(chip);
    if (d.overdue) head.append(el('span', 'dp-flag', 'Quá hạn / Overdue'));
    if (d.transfer_late) head.append(el('span', 'dp-flag', 'Chưa chuyển trong ngày / Not transferred on the day'));
    li.append(head);
    li.append(el('div', 'dp-item-proc', d.procedure_name || ''));
    const facts = el('div', 'dp-item-facts');
    facts.append(document.createTextNode(`Hẹn trả: `), el('strong', 'dp-due', dateText(d.due_at)));
    const a = d.applicant || {};
    const org = a.org_name ? `${a.org_name} (${a.org_code}), người nộp: ` : '';
    const passport = a.kind === 'passport' && a.nationality ? ` (hộ chiếu, ${a.nationality})` : '';
    const who = a.name ? ` · ${org}${a.name}${passport}` : '';
    facts.append(document.createTextNode(` · Nhận: ${dateText(d.received_at)}${who}`));
    li.append(facts);

    const actions = el('div', 'dp-item-actions');
    const print = (path, vi, en, cls) => {
      const a = el('a', 'btn btn-small ' + (cls || ''));
      a.href = `/dossiers/${d.id}/${path}`;
      a.target = '_blank';
      a.rel = 'noopener';
      a.append(bi(vi, en));
      actions.append(a);
      return a;
    };
    print('receipt', 'In giấy hẹn', 'Receipt', 'dp-print-receipt');
    if (d.status === 'supplement_requested') print('supplement', 'In phiếu bổ sung', 'Supplement form');
    if (d.status === 'rejected') print('refusal', 'In phiếu từ chối', 'Refusal form');
    if (d.status === 'stopped') print('stop', 'In thông báo dừng (Mẫu 05)', 'Stop notice');
    if ((d.handovers || []).length) print('control', 'Phiếu kiểm soát (Mẫu 06)', 'Control sheet');
    if (d.status === 'transferred' || d.status === 'processing') {
      const hb = el('button', 'btn btn-small dp-handover');
      hb.type = 'button';
      hb.append(bi('Giao nhận trong cơ quan', 'Hand-over'));
      hb.addEventListener('click', () => startHandover(li, d));
      actions.append(hb);
    }
    for (const action of d.next_actions || []) {
      const b = el('button', 'btn btn-small dp-act');
      b.type = 'button';
      b.dataset.action = action;
      const [avi, aen] = ACTIONS[action] || [action, action];
      b.append(bi(avi, aen));
      b.addEventListener('click', () => startAction(li, d, action));
      actions.append(b);
    }
    li.append(actions);
    return li;
  }

  // A hand-over inside the agency (Mẫu 06): the unit that takes the dossier
  // (never a person's name: the citizen's phone shows it) and the step's deadline.
  function startHandover(li, d) {
    if (state.busy) return;
    let box = li.querySelector('.dp-note-row');
    if (box) box.remove();
    box = el('form', 'dp-note-row dp-handover-row');
    const to = el('input', 'dp-handover-to');
    to.placeholder = 'Đơn vị, bộ phận nhận (không ghi tên người) / Unit that takes it';
    to.setAttribute('aria-label', to.placeholder);
    to.maxLength = 200;
    const due = el('input', 'dp-handover-due');
    due.type = 'date';
    due.setAttribute('aria-label', 'Hạn của bước này / Deadline of this step');
    const ok = el('button', 'btn btn-small btn-primary');
    ok.type = 'submit';
    ok.append(bi('Ghi giao nhận', 'Record'));
    const cancel = el('button', 'btn btn-small');
    cancel.type = 'button';
    cancel.append(bi('Huỷ', 'Cancel'));
    const err = el('p', 'dp-err');
    box.append(to, due, ok, cancel, err);
    cancel.addEventListener('click', () => box.remove());
    box.addEventListener('submit', async (e) => {
      e.preventDefault();
      state.busy = true;
      try {
        await api('POST', `/dossiers/${d.id}/handovers`, { to: to.value.trim(), due_date: due.value });
        setMessage(`${d.code}: Đã ghi giao nhận. / Hand-over recorded.`, 'ok');
        await refreshList();
      } catch (x) {
        err.textContent = Object.values(x.fields || {}).join(' ') || x.message;
      } finally {
        state.busy = false;
      }
    });
    li.append(box);
    to.focus();
  }

  function startAction(li, d, action) {
    if (state.busy) return;
    if (!NOTE_PROMPT[action]) { act(d, action, ''); return; }
    let box = li.querySelector('.dp-note-row');
    if (box) box.remove();
    box = el('form', 'dp-note-row');
    const input = el('input');
    input.placeholder = NOTE_PROMPT[action];
    input.setAttribute('aria-label', NOTE_PROMPT[action]);
    input.maxLength = 1000;
    const ok = el('button', 'btn btn-small btn-primary');
    ok.type = 'submit';
    ok.append(bi(ACTIONS[action][0], ACTIONS[action][1]));
    const cancel = el('button', 'btn btn-small');
    cancel.type = 'button';
    cancel.append(bi('Huỷ', 'Cancel'));
    const err = el('p', 'dp-err');
    box.append(input);
    // A refusal after processing is the agency's own letter: its number and date.
    let letterNo = null, letterDate = null;
    if (action === 'reject' && d.transferred_at) {
      letterNo = el('input', 'dp-letter-number');
      letterNo.placeholder = 'Số văn bản từ chối của cơ quan giải quyết / Agency letter no.';
      letterNo.setAttribute('aria-label', letterNo.placeholder);
      letterDate = el('input', 'dp-letter-date');
      letterDate.type = 'date';
      letterDate.setAttribute('aria-label', 'Ngày văn bản / Letter date');
      box.append(letterNo, letterDate);
    }
    box.append(ok, cancel, err);
    cancel.addEventListener('click', () => box.remove());
    box.addEventListener('submit', (e) => {
      e.preventDefault();
      const note = input.value.trim();
      if (!note) { err.textContent = 'Cần ghi nội dung. / A note is required.'; input.focus(); return; }
      const extra = letterNo ? { letter_number: letterNo.value.trim(), letter_date: letterDate.value } : {};
      act(d, action, note, err, extra);
    });
    li.append(box);
    input.focus();
  }

  async function act(d, action, note, errBox, extra) {
    state.busy = true;
    try {
      await api('POST', `/dossiers/${d.id}/events`, Object.assign({ type: action, note }, extra || {}));
      const [vi, en] = ACTIONS[action] || [action, action];
      setMessage(`${d.code}: ${vi}. / ${en}.`, 'ok');
      await refreshList();
    } catch (err) {
      const f = err.fields || {};
      if (errBox && (f.note || f.letter_number || f.letter_date)) errBox.textContent = [f.note, f.letter_number, f.letter_date].filter(Boolean).join(' ');
      else setMessage(err.message, 'error');
      if (err.status === 409) refreshList();
    } finally {
      state.busy = false;
    }
  }

  // ---------- create form ----------

  async function openForm() {
    if (!state.ticket) return;
    $('dp-link-form').hidden = true;
    $('dp-form').hidden = false;
    clearErrors();
    // Focus first without scrolling: focusing scrolls only as far as the
    // field, and would stop the scroll that shows the whole form from its top.
    $('dp-scan').focus({ preventScroll: true });
    $('dp-form').scrollIntoView({ block: 'start', behavior: 'smooth' });
    if (!state.procedures) await loadProcedures();
  }

  async function loadProcedures() {
    try {
      const [procs, services] = await Promise.all([
        api('GET', '/procedures'),
        api('GET', '/services').catch(() => []),
      ]);
      state.procedures = (procs || []).map((p) => Object.assign(p, {
        folded: fold(`${p.code} ${p.name} ${p.field} ${p.agency}`),
      }));
      state.services = new Map((services || []).map((s) => [s.id, s]));
    } catch (err) {
      showError('procedure_id', err.message);
    }
  }

  // The fields of the chosen applicant kind: nationality for a passport,
  // the enterprise code and name for an organisation; the labels follow.
  function applyKind() {
    const kind = $('dp-kind').value;
    for (const e of document.querySelectorAll('#dp-form .dp-passport')) e.hidden = kind !== 'passport';
    for (const e of document.querySelectorAll('#dp-form .dp-org')) e.hidden = kind !== 'organisation';
    const [vi, en] = ID_LABEL[kind] || ID_LABEL.cccd;
    $('dp-id-label').replaceChildren(document.createTextNode(vi + ' '), el('span', 'en', en));
    $('dp-id').inputMode = kind === 'cccd' || kind === 'can_cuoc' ? 'numeric' : 'text';
    const [nvi, nen] = NAME_LABEL[kind] || ['Họ và tên', 'Full name'];
    $('dp-name-label').replaceChildren(document.createTextNode(nvi + ' '), el('span', 'en', nen));
  }

  function closeForms() {
    const form = $('dp-form');
    form.hidden = true;
    form.reset();
    applyKind();
    state.chosen = null;
    renderChosen();
    hideMatches();
    $('dp-delivery-address-box').hidden = true;
    $('dp-link-form').hidden = true;
    $('dp-link-form').reset();
    clearErrors();
  }

  function clearErrors() {
    for (const p of document.querySelectorAll('#dossier-panel .dp-err')) p.textContent = '';
    for (const i of document.querySelectorAll('#dossier-panel [aria-invalid]')) i.removeAttribute('aria-invalid');
    $('dp-form-error').textContent = '';
  }

  function showError(field, message) {
    const p = document.querySelector(`#dossier-panel .dp-err[data-for="${field}"]`);
    if (p) p.textContent = message;
    const input = $(FIELD_INPUT[field] || '');
    if (input) input.setAttribute('aria-invalid', 'true');
    return !!p;
  }

  // onFieldEdit clears a marked field's error once the field is corrected;
  // the form's own error line goes with the last one.
  function onFieldEdit(e) {
    let field = Object.keys(FIELD_INPUT).find((k) => FIELD_INPUT[k] === e.target.id);
    if (!field && e.target.closest('#dp-docs')) field = 'documents';
    if (!field || field === 'procedure_id') return; // a procedure is corrected by choosing one
    const input = $(FIELD_INPUT[field]);
    if (!input || input.getAttribute('aria-invalid') !== 'true') return;
    const ok = field === 'documents' ? requiredTicked() : (FIELD_OK[field] || ((v) => v.trim() !== ''))(input.value);
    if (!ok) return;
    showError(field, '');
    input.removeAttribute('aria-invalid');
    if (!document.querySelector('#dp-form [aria-invalid="true"]')) $('dp-form-error').textContent = '';
  }

  function requiredTicked() {
    const required = new Set((state.chosen && state.chosen.required_documents) || []);
    for (const c of $('dp-docs').querySelectorAll('input[type=checkbox]')) {
      if (required.has(c.value) && !c.checked) return false;
    }
    return true;
  }

  // Procedure search: every typed word must appear, accents and case ignored;
  // procedures of the ticket's own service come first.
  function onProcSearch() {
    const words = fold($('dp-proc-search').value).split(/\s+/).filter(Boolean);
    if (state.chosen && $('dp-proc-search').value !== state.chosen.name) {
      state.chosen = null;
      renderChosen();
    }
    if (!words.length || !state.procedures) { hideMatches(); return; }
    const svc = state.ticket && state.services.get(state.ticket.service_id);
    const own = svc ? svc.code : '';
    state.matches = state.procedures
      .filter((p) => words.every((w) => p.folded.includes(w)))
      .sort((a, b) => (b.service_code === own) - (a.service_code === own))
      .slice(0, MAX_MATCHES);
    state.active = state.matches.length ? 0 : -1;
    renderMatches();
  }

  function renderMatches() {
    const list = $('dp-proc-list');
    list.replaceChildren();
    state.matches.forEach((p, i) => {
      const li = el('li', 'dp-match' + (i === state.active ? ' active' : ''));
      li.setAttribute('role', 'option');
      li.id = 'dp-match-' + i;
      li.setAttribute('aria-selected', i === state.active ? 'true' : 'false');
      li.append(el('span', 'dp-match-name', p.name), el('span', 'dp-match-sub', `${p.code} · ${p.field} · ${daysText(p)}`));
      li.addEventListener('mousedown', (e) => { e.preventDefault(); choose(p); });
      list.append(li);
    });
    if (!state.matches.length) list.append(el('li', 'dp-match-none', 'Không thấy thủ tục. / No procedure found.'));
    list.hidden = false;
    $('dp-proc-search').setAttribute('aria-expanded', 'true');
    if (state.active >= 0) $('dp-proc-search').setAttribute('aria-activedescendant', 'dp-match-' + state.active);
  }

  function hideMatches() {
    $('dp-proc-list').hidden = true;
    $('dp-proc-search').setAttribute('aria-expanded', 'false');
    $('dp-proc-search').removeAttribute('aria-activedescendant');
  }

  function onProcKey(e) {
    if ($('dp-proc-list').hidden) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const n = state.matches.length;
      if (!n) return;
      state.active = (state.active + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
      renderMatches();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (state.matches[state.active]) choose(state.matches[state.active]);
    } else if (e.key === 'Escape') {
      hideMatches();
    }
  }

  // A procedure's processing time: "3 ngày làm việc", "0,5 ngày làm việc",
  // "4 giờ làm việc", "trong ngày"; a cut-off is said with it.
  function daysText(p) {
    let text = p.processing_days > 0 ? `${p.processing_days} ngày làm việc` : 'trong ngày';
    if (p.processing_time && !/^\d+ ngày$/.test(p.processing_time)) text = p.processing_time.replace('.', ',') + ' làm việc';
    if (p.cutoff) text += ` (nhận sau ${p.cutoff} tính từ ngày làm việc tiếp theo)`;
    return text;
  }

  function choose(p) {
    state.chosen = p;
    $('dp-proc-search').value = p.name;
    hideMatches();
    renderChosen();
    showError('procedure_id', '');
    $('dp-proc-search').removeAttribute('aria-invalid');
    $('dp-name').focus();
  }

  function renderChosen() {
    const box = $('dp-proc-chosen');
    const docs = $('dp-docs');
    box.replaceChildren();
    docs.replaceChildren();
    const p = state.chosen;
    box.hidden = !p;
    if (!p) {
      docs.append(el('p', 'muted', 'Chọn thủ tục trước. / Choose a procedure first.'));
      return;
    }
    box.append(el('span', '', `${p.code} · ${p.agency || ''} · ${daysText(p)}`));
    if (p.due_at) {
      box.append(document.createTextNode(' · Hẹn trả nếu nhận bây giờ: '), el('strong', 'dp-due-preview', dateText(p.due_at)));
    }
    if (p.fee) box.append(el('span', 'dp-fee', 'Phí, lệ phí: ' + p.fee));
    const required = new Set(p.required_documents || []);
    (p.documents || []).forEach((doc, i) => {
      const label = el('label', 'dp-doc');
      const input = el('input');
      input.type = 'checkbox';
      input.value = doc;
      input.id = 'dp-doc-' + i;
      label.append(input, el('span', '', doc));
      if (required.has(doc)) label.append(el('span', 'dp-required', 'bắt buộc'));
      // Mẫu 01 says for each paper whether it is an original or a copy, and how many.
      const row = el('div', 'dp-doc-row');
      const kind = el('select', 'dp-doc-kind');
      kind.id = 'dp-doc-kind-' + i;
      kind.setAttribute('aria-label', 'Bản chính hay bản sao / Original or copy: ' + doc);
      for (const [v, t] of [['', 'Bản chính/sao?'], ['original', 'Bản chính'], ['copy', 'Bản sao'], ['certified_copy', 'Bản sao chứng thực']]) {
        const o = el('option', '', t);
        o.value = v;
        kind.append(o);
      }
      const count = el('input', 'dp-doc-count');
      count.id = 'dp-doc-count-' + i;
      count.type = 'number';
      count.min = '1';
      count.max = '50';
      count.value = '1';
      count.setAttribute('aria-label', 'Số lượng / How many: ' + doc);
      row.append(label, kind, count);
      docs.append(row);
    });
    if (!(p.documents || []).length) docs.append(el('p', 'muted', 'Thủ tục không liệt kê giấy tờ. / No documents listed.'));
  }

  function tickAll() {
    for (const c of $('dp-docs').querySelectorAll('input[type=checkbox]')) c.checked = true;
    onFieldEdit({ target: $('dp-docs') });
  }

  // A USB scanner types the card's QR like a keyboard, usually ending with Enter.
  // The Enter is swallowed on keydown and keypress (a separate keypress would
  // otherwise submit the form); focus moves on once the key is up, so no part
  // of it lands in the next field.
  let focusAfterScan = false;
  function onScanKey(e) {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    if (e.type === 'keydown') {
      clearTimeout(scanTimer);
      focusAfterScan = applyScan(true);
    } else if (e.type === 'keyup' && focusAfterScan) {
      focusAfterScan = false;
      (state.chosen ? $('dp-phone') : $('dp-proc-search')).focus();
    }
  }

  // A scanner without Enter: apply once the typing pauses. Not at once on a
  // match: a thẻ căn cước's QR matches after its seventh field while the
  // scanner is still typing the rest.
  // A card issued from 1/7/2024 may go on after its seventh field: wait longer.
  // Whatever still comes after an applied scan (starting with "|") is the
  // rest of that thẻ căn cước and is dropped.
  let scanTimer = 0;
  let lastScanAt = 0;
  function onScanInput() {
    clearTimeout(scanTimer);
    const value = $('dp-scan').value;
    if (value.startsWith('|') && Date.now() - lastScanAt < 5000) {
      scanTimer = setTimeout(() => applyScan(false), 300);
      return;
    }
    const m = ID_CARD_QR.exec(value);
    if (!m) return;
    const issued = m[7].slice(4) + m[7].slice(2, 4) + m[7].slice(0, 2);
    scanTimer = setTimeout(() => applyScan(false), issued >= CAN_CUOC_FROM ? 1500 : 300);
  }

  function applyScan(complain) {
    const input = $('dp-scan');
    const raw = input.value;
    const box = document.querySelector('#dossier-panel .dp-err[data-for="scan"]');
    if (!raw.trim()) return;
    if (raw.startsWith('|') && Date.now() - lastScanAt < 5000) {
      // The rest of the thẻ căn cước just read (relatives' names and numbers): not kept.
      input.value = '';
      if ($('dp-kind').value === 'cccd') { $('dp-kind').value = 'can_cuoc'; applyKind(); }
      return true;
    }
    const parts = raw.trim().split('|').map((s) => s.trim());
    if (parts.length < 7 || (parts.length > 7 && !/^\d{8}$/.test(parts[6]))) {
      if (complain) box.textContent = 'Không phải mã QR của thẻ CCCD / căn cước (cần ít nhất 7 trường ngăn bởi |), hãy quét lại. / Not an ID card QR code, scan again.';
      return;
    }
    if (!/^\d{12}$/.test(parts[0])) {
      box.textContent = 'Số CCCD trên mã QR không đủ 12 chữ số, hãy quét lại. / The ID number in the QR is not 12 digits.';
      return;
    }
    // Issued from 1/7/2024, or more than the CCCD's seven fields: a thẻ căn cước.
    const issued = /^\d{8}$/.test(parts[6]) ? parts[6].slice(4) + parts[6].slice(2, 4) + parts[6].slice(0, 2) : '';
    const canCuoc = parts.length > 7 || issued >= CAN_CUOC_FROM;
    if ($('dp-kind').value !== 'organisation') {
      $('dp-kind').value = canCuoc ? 'can_cuoc' : 'cccd';
      applyKind();
    }
    $('dp-id').value = parts[0];
    $('dp-name').value = parts[2];
    $('dp-address').value = parts[5];
    // The scan holds more than the dossier needs (birth date, sex): do not keep it.
    input.value = '';
    box.textContent = '';
    for (const id of ['dp-id', 'dp-name', 'dp-address']) $(id).removeAttribute('aria-invalid');
    for (const f of ['applicant.id_number', 'applicant.name', 'applicant.address']) showError(f, '');
    setMessage(canCuoc ? 'Đã điền họ tên, số định danh, địa chỉ từ thẻ căn cước. / Filled from the thẻ căn cước.'
      : 'Đã điền họ tên, số CCCD, địa chỉ từ thẻ. / Filled from the ID card.', 'ok');
    lastScanAt = Date.now();
    // After Enter the scan is over: onScanKey moves on to the next field.
    // Applied on a pause, the scanner may still be typing: stay.
    return true;
  }

  function onDeliveryChange() {
    const post = document.querySelector('input[name="dp-delivery"]:checked').value === 'post';
    $('dp-delivery-address-box').hidden = !post;
    if (post && !$('dp-delivery-address').value) $('dp-delivery-address').value = $('dp-address').value;
  }

  function formBody() {
    const delivery = document.querySelector('input[name="dp-delivery"]:checked').value;
    return {
      procedure_id: state.chosen ? state.chosen.id : 0,
      applicant: {
        kind: $('dp-kind').value,
        name: $('dp-name').value, id_number: $('dp-id').value, phone: $('dp-phone').value,
        address: $('dp-address').value, email: $('dp-email').value,
        nationality: $('dp-kind').value === 'passport' ? $('dp-nationality').value : '',
        org_code: $('dp-kind').value === 'organisation' ? $('dp-org-code').value : '',
        org_name: $('dp-kind').value === 'organisation' ? $('dp-org-name').value : '',
      },
      documents: [...$('dp-docs').querySelectorAll('input[type=checkbox]:checked')].map((c) => c.value),
      document_details: [...$('dp-docs').querySelectorAll('.dp-doc-row')].filter((r) =>
        r.querySelector('input[type=checkbox]').checked && r.querySelector('.dp-doc-kind').value).map((r) => ({
        name: r.querySelector('input[type=checkbox]').value, kind: r.querySelector('.dp-doc-kind').value,
        count: Number(r.querySelector('.dp-doc-count').value) || 0,
      })),
      sets: Number($('dp-sets').value) || 0,
      delivery,
      delivery_address: delivery === 'post' ? $('dp-delivery-address').value : '',
      note: $('dp-note').value,
    };
  }

  async function onSubmit(e) {
    e.preventDefault();
    const t = state.ticket;
    if (!t || state.busy) return;
    clearErrors();
    state.busy = true;
    $('dp-submit').disabled = true;
    try {
      const d = await api('POST', `/tickets/${t.id}/dossiers`, formBody());
      closeForms();
      showCreated(d);
      await refreshList();
    } catch (err) {
      if (err.status === 422 && err.fields) {
        let first = null;
        const unplaced = [];
        for (const [field, message] of Object.entries(err.fields)) {
          if (!showError(field, message)) unplaced.push(message);
          first = first || $(FIELD_INPUT[field] || '');
        }
        $('dp-form-error').textContent = [err.message, ...unplaced].join(' ');
        if (first && first.focus) first.focus();
      } else {
        $('dp-form-error').textContent = err.message;
      }
    } finally {
      state.busy = false;
      $('dp-submit').disabled = false;
    }
  }

  // After a receipt: the code, the appointment and the print button at hand.
  function showCreated(d) {
    const p = $('dp-message');
    p.replaceChildren();
    p.dataset.kind = 'ok';
    p.append(document.createTextNode('Đã tiếp nhận hồ sơ '), el('strong', 'dp-created-code', d.code),
      document.createTextNode(' · hẹn trả ' + dateText(d.due_at) + ' '));
    const a = el('a', 'btn btn-primary btn-small');
    a.id = 'dp-print';
    a.href = d.receipt_url;
    a.target = '_blank';
    a.rel = 'noopener';
    a.append(bi('In giấy tiếp nhận', 'Print receipt'));
    p.append(a);
    a.focus();
  }

  // ---------- linking an earlier dossier to this visit ----------

  function openLink() {
    if (!state.ticket) return;
    $('dp-form').hidden = true;
    $('dp-link-form').hidden = false;
    clearErrors();
    $('dp-link-code').focus();
  }

  async function onLinkSubmit(e) {
    e.preventDefault();
    const t = state.ticket;
    const code = $('dp-link-code').value.trim().toUpperCase();
    const err = document.querySelector('#dossier-panel .dp-err[data-for="ticket_id"]');
    err.textContent = '';
    if (!t || !code) { err.textContent = 'Nhập mã hồ sơ. / Enter the dossier code.'; return; }
    try {
      const found = await api('GET', '/dossiers?code=' + encodeURIComponent(code) + '&limit=5');
      const exact = (found || []).find((d) => d.code === code);
      const d = exact || ((found || []).length === 1 ? found[0] : null);
      if (!d && !(found || []).length) {
        // Not this hall's: a hall joined to the city finds it at another
        // branch through the registry (docs/city.md); a hall alone answers 404.
        try {
          const cd = await api('POST', '/city/dossiers/' + encodeURIComponent(code) + '/visits', { ticket_id: t.id });
          closeForms();
          setMessage(`Đã gắn hồ sơ ${cd.code} (tiếp nhận tại ${cd.branch.name}) vào lượt ${t.number}. / Linked a dossier of ${cd.branch.code} to this visit.`, 'ok');
          return;
        } catch (e3) {
          err.textContent = e3.status === 404 ? 'Không có hồ sơ mã này. / No dossier with this code.' : e3.message;
          return;
        }
      }
      if (!d) {
        err.textContent = 'Có nhiều hồ sơ khớp, nhập đủ mã. / Several match: type the whole code.';
        return;
      }
      await api('POST', `/dossiers/${d.id}/visits`, { ticket_id: t.id });
      closeForms();
      setMessage(`Đã gắn hồ sơ ${d.code} vào lượt ${t.number}. / Linked to this visit.`, 'ok');
      await refreshList();
    } catch (e2) {
      err.textContent = e2.message;
    }
  }

  // ---------- keys ----------

  // Inside the panel's forms the counter's F-key shortcuts are off: a stray
  // F1 must not call the next citizen while a dossier is being typed.
  function guardKeys(e) {
    if (/^F\d+$/.test(e.key) && e.key !== 'F9') {
      e.stopPropagation();
      if (['F1', 'F3', 'F7'].includes(e.key)) e.preventDefault();
    }
  }

  function onDocumentKey(e) {
    if (e.key !== 'F9' || e.ctrlKey || e.altKey || e.metaKey) return;
    if ($('dossier-panel').hidden || document.querySelector('dialog[open]')) return;
    e.preventDefault();
    openForm();
  }

  function bind() {
    document.addEventListener('motcua:current-ticket', onCurrentTicket);
    document.addEventListener('keydown', onDocumentKey);
    $('dp-new').addEventListener('click', openForm);
    $('dp-link-open').addEventListener('click', openLink);
    $('dp-cancel').addEventListener('click', closeForms);
    $('dp-link-cancel').addEventListener('click', closeForms);
    $('dp-form').addEventListener('submit', onSubmit);
    $('dp-link-form').addEventListener('submit', onLinkSubmit);
    $('dp-form').addEventListener('keydown', guardKeys);
    $('dp-link-form').addEventListener('keydown', guardKeys);
    $('dp-proc-search').addEventListener('input', onProcSearch);
    $('dp-proc-search').addEventListener('keydown', onProcKey);
    $('dp-proc-search').addEventListener('blur', () => setTimeout(hideMatches, 150));
    $('dp-scan').addEventListener('keydown', onScanKey);
    $('dp-scan').addEventListener('keypress', onScanKey);
    $('dp-scan').addEventListener('keyup', onScanKey);
    $('dp-scan').addEventListener('input', onScanInput);
    $('dp-kind').addEventListener('change', applyKind);
    $('dp-docs-all').addEventListener('click', tickAll);
    $('dp-form').addEventListener('input', onFieldEdit);
    $('dp-form').addEventListener('change', onFieldEdit);
    for (const r of document.querySelectorAll('input[name="dp-delivery"]')) r.addEventListener('change', onDeliveryChange);
  }

  bind();
})();
