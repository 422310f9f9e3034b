// Start page (/): the branch, every screen and what it is for, where to sign
// in, and a chooser that writes a hall TV's address (/display?counters=q1,q2
// or ?services=TP,CT) from the names the hall uses.
'use strict';
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var hall = { services: [], counters: [] };

  motcua.api('GET', '/branch').then(function (b) {
    $('center-name').textContent = b.center_name || '';
    if (b.name) {
      $('branch-name').textContent = b.name;
      document.title = b.name + ' – motcua';
    }
  }, function () { /* the links work without the name */ });

  // The hall TV's own first message names the services and counters.
  function loadHall() {
    var ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws/display');
    ws.onmessage = function (ev) {
      ws.close();
      var snap = JSON.parse(ev.data);
      hall.services = snap.services || [];
      hall.counters = (snap.counters || []).slice().sort(function (a, b) { return a.number - b.number; });
      renderChoices();
    };
    ws.onerror = function () {
      $('chooser-error').hidden = false;
      $('chooser-error').textContent = 'Không đọc được danh sách quầy và dịch vụ; hãy tải lại trang. / Could not read the counters and services; reload the page.';
    };
  }

  function serviceName(id) {
    var s = hall.services.filter(function (x) { return x.id === id; })[0];
    return s ? s.name : '';
  }

  function checkbox(box, value, text, sub) {
    var label = document.createElement('label');
    var input = document.createElement('input');
    input.type = 'checkbox';
    input.value = value;
    input.addEventListener('change', update);
    label.appendChild(input);
    label.appendChild(document.createTextNode(' ' + text));
    if (sub) {
      var small = document.createElement('small');
      small.textContent = sub;
      label.appendChild(small);
    }
    box.appendChild(label);
  }

  function renderChoices() {
    hall.counters.forEach(function (c) {
      var name = c.name && c.name.indexOf('Quầy ' + c.number) !== 0 ? 'Quầy ' + c.number + ' – ' + c.name : (c.name || 'Quầy ' + c.number);
      checkbox($('choose-counters'), 'q' + c.number, name, (c.service_ids || []).map(serviceName).join(' · '));
    });
    hall.services.forEach(function (s) {
      checkbox($('choose-services'), s.code || String(s.id), s.name, s.code ? 'Mã ' + s.code : '');
    });
    update();
  }

  // update writes the address from the choices: counters by number (q3),
  // services by code, as the display reads them.
  function update() {
    var mode = document.querySelector('input[name="mode"]:checked').value;
    $('choose-counters').hidden = mode !== 'counters';
    $('choose-services').hidden = mode !== 'services';
    var url = '/display';
    if (mode !== 'all') {
      var picked = Array.prototype.map.call(
        document.querySelectorAll('#choose-' + mode + ' input:checked'), function (i) { return i.value; });
      if (picked.length) url += '?' + mode + '=' + picked.map(encodeURIComponent).join(',');
    }
    $('display-url').textContent = location.origin + url;
    $('display-link').href = url;
  }

  Array.prototype.forEach.call(document.querySelectorAll('input[name="mode"]'), function (r) {
    r.addEventListener('change', update);
  });
  loadHall();
})();
