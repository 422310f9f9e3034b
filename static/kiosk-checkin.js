// The kiosk's check-in of online bookings (issue 16). The kiosk's 2D scanner
// types like a keyboard: it types the booking's QR (the manage URL) and
// Enter. Scanned on the start screen, the text checks in at once; the
// "Booked online" button (under the services) opens a box to scan into or to type the 8-character
// code on the screen's keys. The hub answers with a ticket, which kiosk.js
// shows and prints (motcua.kioskTicket) like any other.
(function () {
  'use strict';
  var M = window.motcua;
  var TEXT = {
    vi: {
      open: 'Đã đặt số trực tuyến? Lấy số tại đây',
      title: 'Lấy số cho lịch hẹn đã đặt',
      lead: 'Đưa mã QR trên điện thoại vào máy quét, hoặc nhập mã đặt số gồm 8 ký tự.',
      placeholder: 'Mã đặt số',
      submit: 'Lấy số',
      cancel: 'Quay lại',
      busy: 'Đang kiểm tra…',
      back: 'Xoá'
    },
    en: {
      open: 'Booked online? Check in here',
      title: 'Check in a booking',
      lead: 'Hold the QR code on your phone to the scanner, or type the 8-character booking code.',
      placeholder: 'Booking code',
      submit: 'Get my number',
      cancel: 'Back',
      busy: 'Checking…',
      back: 'Delete'
    }
  };
  var KEYS = ['23456789', 'ABCDEFGH', 'JKMNPQRS', 'TUVWXYZ'];
  var busy = false;

  function lang() { return M.kioskLang && M.kioskLang() === 'en' ? 'en' : 'vi'; }
  function T(k) { return TEXT[lang()][k]; }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text) e.textContent = text;
    return e;
  }

  var openBtn = el('button', { id: 'checkin-open', 'class': 'checkin-open', type: 'button' });
  var box = el('div', { id: 'checkin', 'class': 'checkin', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'checkin-title' });
  box.hidden = true;
  var title = el('h1', { id: 'checkin-title' });
  var lead = el('p', { 'class': 'lead' });
  var input = el('input', { id: 'checkin-code', 'class': 'checkin-code', type: 'text', autocomplete: 'off', autocorrect: 'off',
    autocapitalize: 'characters', spellcheck: 'false', inputmode: 'none' });
  var keyboard = el('div', { 'class': 'keyboard checkin-keys' });
  var error = el('p', { id: 'checkin-error', 'class': 'checkin-error', role: 'alert' });
  error.hidden = true;
  var row = el('div', { 'class': 'row' });
  var cancel = el('button', { 'class': 'back', type: 'button' });
  var submit = el('button', { id: 'checkin-submit', 'class': 'primary', type: 'button' });
  row.appendChild(cancel); row.appendChild(submit);
  KEYS.forEach(function (r, i) {
    var line = el('div', { 'class': 'key-row' });
    r.split('').forEach(function (ch) { line.appendChild(el('button', { 'class': 'key', type: 'button', 'data-key': ch }, ch)); });
    if (i === KEYS.length - 1) line.appendChild(el('button', { 'class': 'key key-wide', type: 'button', 'data-key': 'back' }));
    keyboard.appendChild(line);
  });
  [title, lead, input, keyboard, error, row].forEach(function (c) { box.appendChild(c); });

  function label() {
    openBtn.textContent = T('open');
    title.textContent = T('title');
    lead.textContent = T('lead');
    input.placeholder = T('placeholder');
    submit.textContent = busy ? T('busy') : T('submit');
    cancel.textContent = T('cancel');
    keyboard.querySelector('[data-key=back]').textContent = T('back');
  }

  function open(text) {
    label();
    input.value = text || '';
    error.hidden = true;
    box.hidden = false;
    input.focus();
  }
  function close() { box.hidden = true; input.value = ''; busy = false; }

  function checkIn() {
    var text = input.value.trim();
    if (!text || busy) return;
    busy = true;
    label();
    error.hidden = true;
    M.api('POST', '/api/v1/appointments/check-in', { code: text }, { timeout: 15000 }).then(function (ticket) {
      close();
      M.kioskTicket(ticket);
    }, function (err) {
      busy = false;
      label();
      error.textContent = err.message;
      error.hidden = false;
      input.value = '';
      input.focus();
    });
  }

  openBtn.addEventListener('click', function () { open(''); });
  cancel.addEventListener('click', close);
  submit.addEventListener('click', checkIn);
  input.addEventListener('keydown', function (e) { if (e.key === 'Enter') { e.preventDefault(); checkIn(); } });
  keyboard.addEventListener('click', function (e) {
    var k = e.target.closest('button[data-key]');
    if (!k) return;
    var v = k.getAttribute('data-key');
    input.value = v === 'back' ? input.value.slice(0, -1) : (input.value + v).slice(0, 64);
    input.focus();
  });
  document.getElementById('lang-toggle').addEventListener('click', label);

  // A scan on any screen, with no box focused: the scanner's keys arrive
  // fast and end with Enter. A booking URL checks in at once.
  var scanned = '', lastKey = 0;
  document.addEventListener('keydown', function (e) {
    var t = e.target;
    if (!box.hidden || (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA'))) return;
    var now = Date.now();
    if (now - lastKey > 300) scanned = '';
    lastKey = now;
    if (e.key === 'Enter') {
      if (/\/book\/[A-Za-z0-9_-]{16,}/.test(scanned)) { open(scanned); checkIn(); }
      scanned = '';
    } else if (e.key.length === 1) {
      scanned += e.key;
    }
  }, true);

  // At the end of the start screen, under the services: nothing above them
  // moves and the bottom bar keeps its height, so neither ever covers a
  // service at a large system font. A scan needs no tap at all.
  document.getElementById('screen-start').appendChild(openBtn);
  document.body.appendChild(box);
  label();
})();
