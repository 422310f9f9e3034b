// My account (/account): any signed-in user changes their own password
// (POST /api/v1/auth/password). Errors show next to the field they name.
(function () {
  'use strict';
  var M = window.motcua;

  function $(id) { return document.getElementById(id); }

  function show(view) {
    $('view-login').hidden = view !== 'login';
    $('view-work').hidden = view !== 'work';
    $('user-name').hidden = view !== 'work';
    $('btn-logout').hidden = view !== 'work';
  }

  function showLogin(message) {
    show('login');
    $('login-error').textContent = message || '';
    $('login-username').focus();
  }

  function showWork() {
    M.api('GET', '/auth/me').then(function (u) {
      $('user-name').textContent = (u && (u.full_name || u.username)) || '';
      show('work');
      $('current-password').focus();
    }, function () { /* a 401 shows the login */ });
  }

  function clearErrors() {
    Array.prototype.forEach.call(document.querySelectorAll('#password-form .field-error'), function (e) { e.remove(); });
    Array.prototype.forEach.call(document.querySelectorAll('#password-form .has-error'), function (e) { e.classList.remove('has-error'); });
    $('password-error').textContent = '';
  }

  function submit(ev) {
    ev.preventDefault();
    clearErrors();
    $('password-done').hidden = true;
    M.api('POST', '/auth/password', { current_password: $('current-password').value, new_password: $('new-password').value }).then(function () {
      $('current-password').value = '';
      $('new-password').value = '';
      $('password-done').hidden = false;
    }, function (e) {
      var fields = e.fields || {};
      Object.keys(fields).forEach(function (name) {
        var input = document.querySelector('#password-form [data-field="' + name + '"]');
        if (!input) return;
        input.classList.add('has-error');
        var msg = document.createElement('span');
        msg.className = 'field-error';
        msg.setAttribute('data-for', name);
        msg.textContent = fields[name];
        input.insertAdjacentElement('afterend', msg);
      });
      $('password-error').textContent = e.message;
    });
  }

  $('login-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    M.signIn().then(function (login) { if (login) showWork(); });
  });
  $('password-form').addEventListener('submit', submit);
  $('btn-logout').addEventListener('click', function () {
    M.api('POST', '/auth/logout').catch(function () {}).then(function () {
      M.session.clear();
      showLogin('');
    });
  });
  M.onUnauthorized = function () { showLogin(''); };
  if (M.session.token) showWork(); else showLogin('');
})();
