// Citizen's rating of a visit (issue 15), shared by the phone's tracking page
// (/t/{token}, its own section) and the tablet facing the citizen at a
// counter (/rate?counter=N). window.MotcuaRating.form(box, post, reasons)
// draws 1–5 stars, a few reasons to tick, an optional comment and a send
// button into box; post(body) returns a fetch promise.
(function () {
  'use strict';
  var REASONS = [
    'Cán bộ thân thiện, tận tình', 'Hướng dẫn rõ ràng, dễ hiểu', 'Giải quyết nhanh',
    'Phải chờ lâu', 'Hướng dẫn chưa rõ', 'Thái độ chưa tốt', 'Phải đi lại nhiều lần'
  ];
  var LABELS = ['', 'Rất không hài lòng', 'Không hài lòng', 'Bình thường', 'Hài lòng', 'Rất hài lòng'];

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function form(box, post, reasons, done) {
    box.textContent = '';
    box.appendChild(el('h2', null, 'Bạn đánh giá lượt phục vụ này thế nào?'));
    var score = 0;
    var stars = el('div', 'stars');
    var label = el('p', 'star-label', '');
    for (var i = 1; i <= 5; i++) {
      (function (n) {
        var b = el('button', 'star', String(n) + ' ★');
        b.type = 'button';
        b.setAttribute('data-score', n);
        b.setAttribute('aria-label', n + ' – ' + LABELS[n]);
        b.addEventListener('click', function () {
          score = n;
          Array.prototype.forEach.call(stars.children, function (s, k) { s.classList.toggle('on', k < n); });
          label.textContent = LABELS[n];
          send.disabled = false;
        });
        stars.appendChild(b);
      })(i);
    }
    box.appendChild(stars);
    box.appendChild(label);
    var list = el('div', 'reasons');
    (reasons || REASONS).forEach(function (r) {
      var l = el('label', 'reason');
      var c = el('input');
      c.type = 'checkbox';
      c.value = r;
      l.appendChild(c);
      l.appendChild(document.createTextNode(' ' + r));
      list.appendChild(l);
    });
    box.appendChild(list);
    var comment = el('textarea', 'comment');
    comment.maxLength = 1000;
    comment.placeholder = 'Góp ý thêm (không bắt buộc)';
    box.appendChild(comment);
    var send = el('button', 'send', 'Gửi đánh giá');
    send.type = 'button';
    send.disabled = true;
    var msg = el('p', 'rating-msg', '');
    send.addEventListener('click', function () {
      var picked = Array.prototype.filter.call(list.querySelectorAll('input'), function (c) { return c.checked; })
        .map(function (c) { return c.value; });
      send.disabled = true;
      post({ score: score, reasons: picked, comment: comment.value }).then(function (res) {
        if (res.status === 201 || res.status === 409) {
          box.textContent = '';
          box.appendChild(el('p', 'thanks', 'Cảm ơn bạn đã đánh giá!'));
          if (done) done();
          return;
        }
        msg.textContent = 'Chưa gửi được, vui lòng thử lại.';
        send.disabled = false;
      }, function () {
        msg.textContent = 'Mất kết nối, vui lòng thử lại.';
        send.disabled = false;
      });
    });
    box.appendChild(send);
    box.appendChild(msg);
  }

  window.MotcuaRating = { form: form, reasons: REASONS };
})();
