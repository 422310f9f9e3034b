// signin.js, loaded after motcua.js by the staff pages only (the phone
// loads motcua.js and must stay small): the staff login form.
(function () {
  'use strict';
  var M = window.motcua;

  // signIn posts the staff login form (#login-username, #login-password) and,
  // when the account has one of roles (any role when none are given), keeps
  // the login for the tab and resolves to it. Otherwise it says why in
  // #login-error and resolves to null. Every staff page signs in this way.
  M.signIn = function (roles) {
    var $ = function (id) { return document.getElementById(id); };
    var username = $('login-username').value.trim(), password = $('login-password').value;
    var error = $('login-error');
    if (!username || !password) {
      error.textContent = 'Nhập tên đăng nhập và mật khẩu. / Enter username and password.';
      return Promise.resolve(null);
    }
    error.textContent = '';
    return M.api('POST', '/auth/login', { username: username, password: password }).then(function (login) {
      var role = login.user && login.user.role;
      if (roles && roles.length && roles.indexOf(role) < 0) {
        error.textContent = 'Tài khoản này không dùng được trang này. / This account may not use this page.';
        return null;
      }
      M.session.save(login);
      $('login-password').value = '';
      return login;
    }, function (e) {
      error.textContent = e.status === 401 ? 'Sai tên đăng nhập hoặc mật khẩu. / Wrong username or password.' : e.message;
      return null;
    });
  };
})();
