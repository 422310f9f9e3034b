// The booking page for the phone: /book chooses a service, a day and a slot
// and books it; /book/{token} shows a booking (code, QR, status) and cancels
// it. Nothing personal is ever shown back: the ID number and the phone go to
// the hub once, in the booking request.
(function () {
  'use strict';
  var M = window.motcua;
  var $ = function (id) { return document.getElementById(id); };
  var STATUS = {
    booked: 'Đã đặt – chờ lấy số tại kiosk / Booked',
    checked_in: 'Đã lấy số thứ tự / Checked in',
    cancelled: 'Đã huỷ / Cancelled',
    expired: 'Đã hết hạn (không đến lấy số) / Expired'
  };
  var services = [];

  function dmy(date) { var p = date.split('-'); return p[2] + '/' + p[1] + '/' + p[0]; }
  function weekday(date) {
    var d = new Date(date + 'T12:00:00');
    return ['Chủ nhật', 'Thứ hai', 'Thứ ba', 'Thứ tư', 'Thứ năm', 'Thứ sáu', 'Thứ bảy'][d.getDay()];
  }
  function option(value, text) { var o = document.createElement('option'); o.value = value; o.textContent = text; return o; }
  function showError(el, err) { el.textContent = err.message; el.hidden = false; }

  function fillDates() {
    var s = services[$('service').selectedIndex];
    var sel = $('date');
    sel.textContent = '';
    (s ? s.dates : []).forEach(function (d) { sel.appendChild(option(d, weekday(d) + ', ' + dmy(d))); });
    loadSlots();
  }

  function loadSlots() {
    var s = services[$('service').selectedIndex];
    var box = $('slots');
    box.textContent = '';
    $('slots-empty').hidden = true;
    if (!s || !$('date').value) return;
    M.api('GET', '/appointments/availability?service_id=' + s.id + '&date=' + $('date').value).then(function (a) {
      var any = false;
      a.slots.forEach(function (sl) {
        var label = document.createElement('label');
        var input = document.createElement('input');
        input.type = 'radio'; input.name = 'slot'; input.value = sl.from; input.disabled = sl.free <= 0;
        var span = document.createElement('span'); span.textContent = sl.from + '–' + sl.to;
        var small = document.createElement('small');
        small.textContent = sl.free > 0 ? 'còn ' + sl.free + ' chỗ' : 'hết chỗ';
        label.className = sl.free > 0 ? '' : 'full';
        label.appendChild(input); label.appendChild(span); label.appendChild(small);
        box.appendChild(label);
        if (sl.free > 0) any = true;
      });
      $('slots-empty').hidden = any;
    }, function (err) { showError($('error'), err); });
  }

  function book(ev) {
    ev.preventDefault();
    $('error').hidden = true;
    var s = services[$('service').selectedIndex];
    var slot = document.querySelector('input[name=slot]:checked');
    var body = { service_id: s ? s.id : 0, date: $('date').value, slot_from: slot ? slot.value : '',
      id_number: $('id_number').value.trim(), phone: $('phone').value.trim() };
    $('submit').disabled = true;
    M.api('POST', '/appointments', body).then(function (b) {
      history.replaceState(null, '', '/book/' + b.token);
      show(b.token);
    }, function (err) {
      showError($('error'), err);
      if (err.fields && Object.keys(err.fields).length) {
        $('error').textContent = err.message + '\n' + Object.keys(err.fields).map(function (k) { return err.fields[k]; }).join('\n');
      }
      loadSlots();
    }).then(function () { $('submit').disabled = false; });
  }

  function show(token) {
    $('form').hidden = true;
    M.api('GET', '/appointments/' + encodeURIComponent(token)).then(function (a) {
      $('result').hidden = false;
      $('code').textContent = a.code;
      $('qr').src = a.qr_url;
      $('what').textContent = a.service_name;
      $('when').textContent = a.slot.from + '–' + a.slot.to + ', ' + weekday(a.date) + ' ' + dmy(a.date);
      $('status').textContent = STATUS[a.status] || a.status;
      $('status').className = 'status s-' + a.status;
      $('window').textContent = 'Lấy số tại kiosk từ ' + M.time(a.check_in_from).hm + ' đến ' + M.time(a.check_in_to).hm +
        '. / Check in from ' + M.time(a.check_in_from).hm + ' to ' + M.time(a.check_in_to).hm + '.';
      $('manage').href = a.manage_url; $('manage').hidden = false;
      $('cancel').hidden = a.status !== 'booked';
      $('qr').hidden = a.status !== 'booked';
      if (a.track_url) { $('track').href = a.track_url; $('track').hidden = false; }
    }, function (err) { $('result').hidden = false; showError($('cancel-error'), err); });
  }

  function cancel() {
    if (!window.confirm('Huỷ lịch hẹn này? / Cancel this booking?')) return;
    var token = location.pathname.split('/').pop();
    M.api('DELETE', '/appointments/' + encodeURIComponent(token)).then(function () { show(token); },
      function (err) { showError($('cancel-error'), err); });
  }

  $('cancel').addEventListener('click', cancel);
  var m = location.pathname.match(/^\/book\/([A-Za-z0-9_-]+)$/);
  if (m) { show(m[1]); return; }
  $('form').hidden = false;
  $('form').addEventListener('submit', book);
  $('service').addEventListener('change', fillDates);
  $('date').addEventListener('change', loadSlots);
  M.api('GET', '/appointments/services').then(function (list) {
    services = list;
    list.forEach(function (s) { $('service').appendChild(option(s.id, s.name)); });
    if (!list.length) showError($('error'), { message: 'Hiện chưa có dịch vụ nhận đặt số trực tuyến. / No service takes online numbers now.' });
    fillDates();
  }, function (err) { showError($('error'), err); });
})();
