// Counter tablet (/rate?counter=N): polls the visit that just ended at the
// counter and offers it for rating once (issue 15).
(function () {
  'use strict';
  var counter = new URLSearchParams(location.search).get('counter') || '';
  var api = '/api/v1/rate/counters/' + encodeURIComponent(counter);
  var shown = 0;
  function $(id) { return document.getElementById(id); }
  $('title').textContent = 'Đánh giá – Quầy ' + counter;
  function poll() {
    fetch(api).then(function (res) { return res.ok ? res.json() : null; }).then(function (data) {
      var v = data && data.visit;
      if (!v) {
        if (shown && !$('rating').querySelector('.thanks')) { $('rating').hidden = true; shown = 0; }
        if (!shown) $('visit').textContent = 'Chưa có lượt nào vừa kết thúc.';
        return;
      }
      if (v.ticket_id === shown) return;
      shown = v.ticket_id;
      $('visit').textContent = 'Số ' + v.number + ' vừa được phục vụ xong.';
      var box = $('rating');
      box.hidden = false;
      window.MotcuaRating.form(box, function (body) {
        body.ticket_id = v.ticket_id;
        return fetch(api, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      }, data.reasons);
    }).catch(function () {}).then(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
