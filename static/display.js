// Hall display: shows the calls of /ws/display in very large type and
// announces each new call with a chime and a Vietnamese voice. It runs
// unattended on a TV for weeks, so it reconnects by itself, never announces a
// call twice, and reloads itself once a night.
//
// URL parameters: services=TP,CT (service codes, or ids), counters=q3,q4
// (counter numbers written q3 or quầy 3; a plain number is a counter's id, or
// its number when no counter has that id): only those calls are shown, and
// only the waiting counts of those services (of those counters' services).
// repeat=2 (times each announcement is spoken), voice=auto|speech|clips,
// stale=30 (seconds after which an announcement not yet made is dropped),
// mute=1 (queue announcements but play nothing; for tests).
//
// In a rush the voice never falls behind the screen: the newest call is said
// first, a recall replaces the ticket's announcement still waiting, at most
// MAX_WAITING wait (the oldest goes), one older than stale= is dropped, and
// each step of an announcement (chime, each sentence) has a deadline: a clip
// that never loads or a voice that never ends is abandoned, so it holds
// neither the calls behind it nor the nightly reload.
//
// Test hooks: window.motcuaDisplay.announcements gets {seq, number, counter,
// text, recall} the moment an announcement is queued, .started {seq, number}
// when it starts, .finished {seq, number, outcome} ("done", "timeout",
// "failed") when it ends, and .skipped {seq, number, reason} for one never
// made ("stale": too old when it arrived or while it waited, "replaced" by a
// recall, "overflow"); #current-call carries data-seq, data-number and
// data-counter of the newest call shown.
(function () {
  'use strict';

  var params = new URLSearchParams(location.search);

  function tokens(name) {
    var raw = params.get(name);
    if (!raw) return null;
    var list = raw.split(',').map(function (s) { return s.trim(); }).filter(Boolean);
    return list.length ? list : null;
  }

  // The filter as written in the URL; resolved to ids once the snapshot names
  // the hall's services and counters (until then the tokens are taken as ids).
  var wanted = { services: tokens('services'), counters: tokens('counters') };
  var filter = {
    services: wanted.services && new Set(wanted.services),
    counters: wanted.counters && new Set(wanted.counters),
    waiting: null, // ids of the services whose waiting counts are shown; null: all
    unknown: []    // tokens that name nothing in this hall
  };
  var repeat = parseInt(params.get('repeat') || '2', 10);
  if (!(repeat >= 1)) repeat = 2;
  repeat = Math.min(repeat, 5);
  var voiceMode = params.get('voice');
  if (['auto', 'speech', 'clips'].indexOf(voiceMode) < 0) voiceMode = 'auto';
  var muted = params.get('mute') === '1';

  var MAX_CALLS = 10;       // kept in memory: the current one and the recent list
  var RECENT_SHOWN = 8;
  var stale = parseInt(params.get('stale') || '30', 10);
  if (!(stale >= 5)) stale = 30;
  var STALE_MS = Math.min(stale, 600) * 1000; // an announcement older than this is not made
  var MAX_WAITING = 4;      // announcements waiting their turn; past it the oldest is dropped
  var SILENCE_BEFORE_RECONNECT_MS = 5 * 60 * 1000;

  var state = {
    lastSeq: 0,
    haveSnapshot: false,
    calls: [],        // newest first, already filtered
    services: [],
    waiting: {},
    counters: new Map(),
    notice: null,
    branchNotice: '',
    timeZone: undefined,
    clockOffsetMs: 0,
    clockKnown: false  // the hub's time has been read: call ages can be judged
  };

  var hooks = window.motcuaDisplay = {
    announcements: [],
    skipped: [],      // {seq, number, reason} of calls shown without an announcement
    played: 0,        // announcements finished (played, or skipped when muted, blocked or stale)
    get lastSeq() { return state.lastSeq; },
    get connected() { return !!(socket && socket.open); },
    get reconnectAttempts() { return socket ? socket.attempts : 0; },
    started: [],
    finished: [],
    get queued() { return waiting.length; },
    get speaking() { return current ? { seq: current.item.seq, number: current.item.number } : null; },
    staleMs: STALE_MS,
    voice: null,      // "speech", "clips", "muted" or "blocked": how the last announcement was played
    get filters() {
      function ids(set) { return set ? Array.from(set) : null; }
      return { services: ids(filter.services), counters: ids(filter.counters), waiting: ids(filter.waiting),
        unknown: filter.unknown.slice() };
    },
    repeat: repeat,
    voiceMode: voiceMode,
    muted: muted
  };

  function $(id) { return document.getElementById(id); }

  // ---------- Vietnamese words for numbers ----------

  var DIGITS = ['không', 'một', 'hai', 'ba', 'bốn', 'năm', 'sáu', 'bảy', 'tám', 'chín'];

  // Ticket numbers are read digit by digit: "1005" → một không không năm.
  function digitWords(number) {
    return String(number).split('').map(function (ch) {
      return /[0-9]/.test(ch) ? DIGITS[+ch] : ch;
    }).filter(function (w) { return w.trim() !== ''; });
  }

  // Counter numbers are read as numbers: 3 → ba, 12 → mười hai, 21 → hai mươi mốt.
  function numberWords(n) {
    if (!(Number.isInteger(n) && n >= 0 && n < 1000)) return digitWords(String(n));
    if (n < 10) return [DIGITS[n]];
    if (n < 100) {
      var tens = Math.floor(n / 10), unit = n % 10;
      var words = tens === 1 ? ['mười'] : [DIGITS[tens], 'mươi'];
      if (unit === 1) words.push(tens === 1 ? 'một' : 'mốt');
      else if (unit === 4) words.push(tens === 1 ? 'bốn' : 'tư');
      else if (unit === 5) words.push('lăm');
      else if (unit > 0) words.push(DIGITS[unit]);
      return words;
    }
    var rest = n % 100;
    var hundreds = [DIGITS[Math.floor(n / 100)], 'trăm'];
    if (rest === 0) return hundreds;
    if (rest < 10) return hundreds.concat(['linh', DIGITS[rest]]);
    return hundreds.concat(numberWords(rest));
  }

  var CLIP_OF_WORD = {
    'không': '0', 'một': '1', 'hai': '2', 'ba': '3', 'bốn': '4', 'năm': '5', 'sáu': '6', 'bảy': '7',
    'tám': '8', 'chín': '9', 'mười': 'muoi', 'mươi': 'muoi-ngang', 'mốt': 'mot-sac', 'lăm': 'lam',
    'tư': 'tu', 'trăm': 'tram', 'linh': 'linh'
  };
  var PHRASE_CALL = 'Mời công dân có số thứ tự';
  var PHRASE_TO_COUNTER = 'đến quầy số';

  function counterNumberValue(raw) {
    var n = typeof raw === 'number' ? raw : parseInt(raw, 10);
    return String(n) === String(raw) ? n : raw;
  }

  // buildAnnouncement returns the sentence and the clips that say it, with the
  // pause after each clip in seconds.
  function buildAnnouncement(call) {
    var numberW = digitWords(call.number);
    var counterW = numberWords(counterNumberValue(call.counterNumber));
    var text = PHRASE_CALL + ' ' + numberW.join(' ') + ' ' + PHRASE_TO_COUNTER + ' ' + counterW.join(' ');
    var clips = [{ name: 'moi-cong-dan', gap: 0.18 }];
    numberW.forEach(function (w, i) {
      if (CLIP_OF_WORD[w]) clips.push({ name: CLIP_OF_WORD[w], gap: i === numberW.length - 1 ? 0.22 : 0.1 });
    });
    clips.push({ name: 'den-quay-so', gap: 0.12 });
    counterW.forEach(function (w) {
      if (CLIP_OF_WORD[w]) clips.push({ name: CLIP_OF_WORD[w], gap: 0.04 });
    });
    return { text: text, clips: clips };
  }

  // ---------- audio ----------

  var audio = {
    ctx: null,
    buffers: new Map(),   // clip name → Promise<AudioBuffer|null>
    unlocked: false,

    context: function () {
      if (!this.ctx) {
        var Ctx = window.AudioContext || window.webkitAudioContext;
        if (!Ctx) return null;
        this.ctx = new Ctx();
      }
      return this.ctx;
    },

    running: function () {
      var ctx = this.context();
      return !!ctx && ctx.state === 'running';
    },

    load: function (name) {
      var self = this;
      if (self.buffers.has(name)) return self.buffers.get(name);
      var ctx = self.context();
      if (!ctx) return Promise.resolve(null);
      var ctl = window.AbortController ? new AbortController() : null;
      var p = fetch('/static/audio/' + name + '.ogg', ctl ? { signal: ctl.signal } : {}).then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.arrayBuffer();
      }).then(function (bytes) { return ctx.decodeAudioData(bytes); }).then(function (buf) {
        if (self.loading.get(name) === ctl) self.loading.delete(name);
        return buf;
      }, function (err) {
        console.warn('display: clip ' + name + ' not available:', err);
        if (self.buffers.get(name) === p) {
          self.loading.delete(name);
          self.buffers.delete(name); // try again next time: the network may be back
        }
        return null;
      });
      self.buffers.set(name, p);
      self.loading.set(name, ctl);
      return p;
    },

    loading: new Map(),   // clip name → AbortController of a download under way

    // forgetLoading gives up the downloads under way (an abandoned
    // announcement waited on them): the next announcement asks again.
    forgetLoading: function () {
      var self = this;
      self.loading.forEach(function (ctl, name) {
        self.buffers.delete(name);
        if (ctl) ctl.abort();
      });
      self.loading.clear();
    },

    sources: [],

    // stop silences every clip scheduled, when an announcement is abandoned.
    stop: function () {
      this.sources.forEach(function (src) { try { src.stop(); } catch (e) { /* not started */ } });
      this.sources = [];
    },

    // playClips schedules the clips back to back and resolves when the last ends.
    playClips: function (clips, run) {
      var self = this;
      return Promise.all(clips.map(function (c) { return self.load(c.name); })).then(function (buffers) {
        if (run && run.cancelled) return;
        var ctx = self.ctx;
        var at = ctx.currentTime + 0.05;
        var start = at;
        buffers.forEach(function (buf, i) {
          if (!buf) return;
          var src = ctx.createBufferSource();
          src.buffer = buf;
          src.connect(ctx.destination);
          src.start(at);
          self.sources.push(src);
          src.onended = function () { self.sources = self.sources.filter(function (x) { return x !== src; }); };
          at += buf.duration + clips[i].gap;
        });
        return wait((at - start + 0.1) * 1000);
      });
    },

    // chime plays the recorded two-tone chime, or synthesises one if the clip
    // cannot be loaded: the chime must sound even when no voice is available.
    chime: function (run) {
      var self = this;
      return self.load('chime').then(function (buf) {
        if (run.cancelled) return;
        if (buf) return self.playClips([{ name: 'chime', gap: 0.25 }], run);
        var ctx = self.ctx;
        var t = ctx.currentTime + 0.05;
        [[784, 0], [659.25, 0.55]].forEach(function (tone) {
          var osc = ctx.createOscillator();
          var gain = ctx.createGain();
          osc.frequency.value = tone[0];
          gain.gain.setValueAtTime(0.0001, t + tone[1]);
          gain.gain.exponentialRampToValueAtTime(0.4, t + tone[1] + 0.02);
          gain.gain.exponentialRampToValueAtTime(0.0001, t + tone[1] + 1.2);
          osc.connect(gain).connect(ctx.destination);
          osc.start(t + tone[1]);
          osc.stop(t + tone[1] + 1.25);
          self.sources.push(osc);
        });
        return wait(2000);
      });
    }
  };

  function wait(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function vietnameseVoice() {
    if (!('speechSynthesis' in window)) return null;
    var voices = window.speechSynthesis.getVoices();
    for (var i = 0; i < voices.length; i++) {
      if (/^vi([-_]|$)/i.test(voices[i].lang)) return voices[i];
    }
    return null;
  }

  // speak resolves true when the sentence was spoken, false when speech failed
  // (then the clips take over). An engine that never ends is caught by the
  // step's deadline.
  function speak(text, voice) {
    return new Promise(function (resolve) {
      var u = new SpeechSynthesisUtterance(text);
      u.lang = 'vi-VN';
      if (voice) u.voice = voice;
      u.rate = 0.9;
      // A long-running Chromium can leave the synthesiser stuck; start clean.
      if (window.speechSynthesis.speaking || window.speechSynthesis.pending) window.speechSynthesis.cancel();
      u.onend = function () { resolve(true); };
      u.onerror = function (e) {
        console.warn('display: speech failed:', e.error);
        resolve(false);
      };
      window.speechSynthesis.speak(u);
    });
  }

  function chooseVoice() {
    if (voiceMode === 'clips' || !('speechSynthesis' in window)) return { kind: 'clips' };
    var voice = vietnameseVoice();
    if (voice) return { kind: 'speech', voice: voice };
    if (voiceMode === 'speech') return { kind: 'speech', voice: null };
    return { kind: 'clips' };
  }

  // ---------- announcement queue: newest first, bounded, with deadlines ----------

  var CLIP_LOAD_MS = 4000;  // time allowed for downloading an announcement's clips
  var waiting = [];         // announcements not yet started, oldest call first
  var current = null;       // {item, deadline, cancelled}: the one being made

  function remember(list, entry) {
    list.push(entry);
    if (list.length > 5000) list.splice(0, 1000);
  }

  function skip(item, reason) {
    remember(hooks.skipped, { seq: item.seq, number: item.number, reason: reason });
  }

  function enqueueAnnouncement(call) {
    var a = buildAnnouncement(call);
    remember(hooks.announcements, {
      seq: call.seq, number: call.number, counter: counterNumberValue(call.counterNumber),
      text: a.text, recall: call.recall
    });
    var item = { seq: call.seq, number: call.number, key: call.ticketId != null ? 'id' + call.ticketId : 'n' + call.number,
      queuedAt: Date.now(), text: a.text, clips: a.clips };
    // A recall replaces the ticket's announcement still waiting.
    waiting = waiting.filter(function (w) {
      if (w.key !== item.key) return true;
      skip(w, 'replaced');
      return false;
    });
    waiting.push(item);
    waiting.sort(function (x, y) { return x.seq - y.seq; }); // a call checked with the hub may come late
    while (waiting.length > MAX_WAITING) skip(waiting.shift(), 'overflow');
    if (!current) runQueue();
  }

  // runQueue starts the newest announcement that is not stale.
  function runQueue() {
    var now = Date.now();
    waiting = waiting.filter(function (w) {
      if (now - w.queuedAt <= STALE_MS) return true;
      skip(w, 'stale');
      return false;
    });
    var item = waiting.pop();
    if (!item) {
      current = null;
      return;
    }
    var run = current = { item: item, deadline: 0, cancelled: false };
    remember(hooks.started, { seq: item.seq, number: item.number });
    playAnnouncement(run).then(function () { return 'done'; }, function (err) {
      console.warn('display: announcement failed:', err);
      return 'failed';
    }).then(function (outcome) { finish(run, outcome); });
  }

  function finish(run, outcome) {
    if (current !== run) return; // abandoned already
    run.cancelled = true;
    hooks.played++;
    remember(hooks.finished, { seq: run.item.seq, number: run.item.number, outcome: outcome });
    runQueue();
  }

  // step runs one part of an announcement within ms (sayOnce sets its own
  // deadline); past it the watchdog abandons the whole announcement.
  function step(run, ms, fn) {
    if (run.cancelled) return Promise.resolve();
    run.deadline = Date.now() + ms;
    return fn();
  }

  // The watchdog reads Date.now(), so a TV whose timers stall still catches up.
  setInterval(function () {
    var run = current;
    if (run && run.deadline && Date.now() > run.deadline) {
      console.warn('display: announcement of ' + run.item.number + ' did not finish in time; abandoned');
      run.cancelled = true;
      audio.stop();
      audio.forgetLoading();
      if ('speechSynthesis' in window) window.speechSynthesis.cancel();
      finish(run, 'timeout');
    }
    maybeReload();
  }, 500);

  function playAnnouncement(run) {
    var item = run.item;
    if (muted) {
      hooks.voice = 'muted';
      return Promise.resolve();
    }
    if (!audio.running()) {
      // Sound is blocked until someone presses the button: skip rather than
      // pile up announcements that would all play at once later.
      hooks.voice = 'blocked';
      showSoundOverlay();
      return Promise.resolve();
    }
    var choice = chooseVoice();
    return step(run, CLIP_LOAD_MS + 3000, function () { return audio.chime(run); }).then(function () {
      var times = [];
      for (var i = 0; i < repeat; i++) times.push(i);
      return times.reduce(function (prev, i) {
        return prev.then(function () {
          if (i === 0) return sayOnce(run, choice);
          return step(run, 2000, function () { return wait(700); }).then(function () { return sayOnce(run, choice); });
        });
      }, Promise.resolve());
    });
  }

  // The longest one sentence may take: spoken at a slow rate, or said with the
  // clips (loaded, then played back to back).
  function speechLimit(item) { return 2500 + item.text.length * 90; }
  function clipsLimit(item) { return CLIP_LOAD_MS + 1000 + item.clips.length * 900; }

  function sayOnce(run, choice) {
    if (run.cancelled) return Promise.resolve();
    var item = run.item;
    if (choice.kind === 'speech') {
      run.deadline = Date.now() + speechLimit(item);
      return speak(item.text, choice.voice).then(function (ok) {
        if (run.cancelled) return;
        if (ok) {
          hooks.voice = 'speech';
          return;
        }
        choice.kind = 'clips'; // this engine refused; use the recordings from now on for this item
        hooks.voice = 'clips';
        run.deadline = Date.now() + clipsLimit(item);
        return audio.playClips(item.clips, run);
      });
    }
    hooks.voice = 'clips';
    run.deadline = Date.now() + clipsLimit(item);
    return audio.playClips(item.clips, run);
  }

  // ---------- autoplay: one-time "enable sound" button ----------

  var overlayDismissed = false;

  function showSoundOverlay() {
    if (muted || overlayDismissed) return;
    $('sound-overlay').hidden = false;
  }

  function unlockSound() {
    overlayDismissed = true;
    $('sound-overlay').hidden = true;
    var ctx = audio.context();
    if (ctx && ctx.state !== 'running') ctx.resume();
    if ('speechSynthesis' in window) {
      // Speaking once inside the gesture lets later utterances through.
      var u = new SpeechSynthesisUtterance(' ');
      u.volume = 0;
      window.speechSynthesis.speak(u);
    }
    ['chime', 'moi-cong-dan', 'den-quay-so'].forEach(function (n) { audio.load(n); });
  }

  function checkAutoplay() {
    if (muted) return;
    var ctx = audio.context();
    if (!ctx) return;
    ctx.onstatechange = function () {
      if (ctx.state === 'running') $('sound-overlay').hidden = true;
    };
    if (ctx.state === 'running') return;
    // resume() succeeds without a gesture only when the browser allows autoplay.
    Promise.race([ctx.resume(), wait(800)]).then(function () {
      if (ctx.state !== 'running') showSoundOverlay();
    });
  }

  // ---------- rendering ----------

  function normaliseCall(c, fallbackSeq) {
    var ticket = c.ticket || {};
    var counter = c.counter || state.counters.get(String(c.counter_id)) || {};
    return {
      seq: typeof c.seq === 'number' ? c.seq : fallbackSeq,
      ticketId: ticket.id != null ? ticket.id : c.ticket_id,
      number: String(ticket.number != null ? ticket.number : (c.number != null ? c.number : '')),
      serviceId: ticket.service_id != null ? ticket.service_id : c.service_id,
      counterId: counter.id != null ? counter.id : c.counter_id,
      counterNumber: counter.number != null ? counter.number : '',
      counterName: counter.name || '',
      recall: !!c.recall,
      at: c.at || ''
    };
  }

  function shown(call) {
    if (filter.services && !filter.services.has(String(call.serviceId))) return false;
    if (filter.counters && !filter.counters.has(String(call.counterId))) return false;
    return true;
  }

  // resolveFilter turns the URL's tokens into ids of this hall's services and counters.
  function resolveFilter() {
    filter.unknown = [];
    if (wanted.services) {
      filter.services = new Set();
      wanted.services.forEach(function (tok) {
        var s = state.services.filter(function (x) { return String(x.id) === tok; })[0] ||
          state.services.filter(function (x) { return x.code && motcua.fold(x.code) === motcua.fold(tok); })[0];
        if (s) filter.services.add(String(s.id)); else filter.unknown.push(tok);
      });
    }
    if (wanted.counters) {
      var counters = Array.from(state.counters.values());
      filter.counters = new Set();
      wanted.counters.forEach(function (tok) {
        var m = /^(?:q|quay)?\s*(\d+)$/.exec(motcua.fold(tok)), c = null;
        if (m && /^\d+$/.test(tok)) c = state.counters.get(tok) || null; // a plain number: an id first
        if (!c && m) c = counters.filter(function (x) { return String(x.number) === String(+m[1]); })[0];
        if (c) filter.counters.add(String(c.id)); else filter.unknown.push(tok);
      });
    }
    filter.waiting = filter.services;
    if (!filter.waiting && filter.counters) {
      filter.waiting = new Set();
      filter.counters.forEach(function (id) {
        (state.counters.get(id).service_ids || []).forEach(function (sid) { filter.waiting.add(String(sid)); });
      });
    }
    if (filter.unknown.length) console.warn('display: no service or counter in this hall for ' + filter.unknown.join(', '));
  }

  function counterLabel(call) { return 'Quầy ' + (call.counterNumber !== '' ? call.counterNumber : '–'); }

  function timeOf(iso) {
    var t = Date.parse(iso);
    if (isNaN(t)) return '';
    var p = dateParts(new Date(t));
    return p.hour + ':' + p.minute;
  }

  function renderCalls() {
    var el = $('current-call');
    var cur = state.calls[0];
    if (cur) {
      el.classList.remove('is-empty');
      el.dataset.seq = String(cur.seq);
      el.dataset.number = cur.number;
      el.dataset.counter = String(cur.counterNumber);
      el.dataset.counterId = String(cur.counterId);
      el.dataset.recall = String(cur.recall);
      $('current-number').textContent = cur.number;
      $('current-counter').textContent = counterLabel(cur);
      var name = cur.counterName && cur.counterName !== counterLabel(cur) ? cur.counterName : '';
      $('current-counter-name').textContent = name;
      $('current-recall').hidden = !cur.recall;
    } else {
      el.classList.add('is-empty');
      el.dataset.seq = '';
      delete el.dataset.number;
      delete el.dataset.counter;
      delete el.dataset.counterId;
      delete el.dataset.recall;
      $('current-number').textContent = '----';
      $('current-counter').textContent = 'Quầy –';
      $('current-counter-name').textContent = 'Vui lòng chờ gọi số';
      $('current-recall').hidden = true;
    }

    var list = $('recent-calls');
    var rows = state.calls.slice(1, 1 + RECENT_SHOWN).map(function (c) {
      var li = document.createElement('li');
      li.className = 'recent-call';
      li.dataset.seq = String(c.seq);
      li.dataset.number = c.number;
      li.dataset.counter = String(c.counterNumber);
      li.appendChild(span('recent-number', c.number));
      li.appendChild(span('recent-arrow', '→')).setAttribute('aria-hidden', 'true');
      li.appendChild(span('recent-counter', counterLabel(c)));
      li.appendChild(span('recent-time', timeOf(c.at)));
      return li;
    });
    list.replaceChildren.apply(list, rows);
    if (!rows.length) {
      var empty = document.createElement('li');
      empty.className = 'recent-empty';
      empty.textContent = 'Chưa có số nào được gọi';
      list.appendChild(empty);
    }
  }

  function span(cls, text) {
    var s = document.createElement('span');
    s.className = cls;
    s.textContent = text;
    return s;
  }

  function flashCurrent() {
    var el = $('current-call');
    el.classList.remove('flash');
    void el.offsetWidth; // restart the animation
    el.classList.add('flash');
  }

  // renderWaiting shows one card per service: the shape of its numbers
  // ("1xxx", so that it does not read as a counter), its whole name, and how
  // many wait. A queue event only changes the counts; the cards are rebuilt,
  // and fitted, when the services change.
  function renderWaiting() {
    var list = $('waiting');
    var services = state.services.filter(function (s) {
      return !filter.waiting || filter.waiting.has(String(s.id));
    });
    var key = services.map(function (s) { return s.id + ':' + s.prefix + ':' + s.name; }).join('|');
    var rebuilt = list.dataset.key !== key;
    if (rebuilt) {
      list.dataset.key = key;
      list.replaceChildren.apply(list, services.map(waitingCard));
      list.dataset.count = String(services.length);
      list.classList.toggle('dense', services.length > 8); // a big hall: smaller cards, more per row
    }
    var wider = false;
    services.forEach(function (s) {
      var n = state.waiting[String(s.id)] || 0;
      var li = list.querySelector('li[data-service-id="' + s.id + '"]');
      li.dataset.waiting = String(n);
      var count = li.querySelector('.waiting-count');
      if (String(n).length > 3 && count.textContent.length <= 3) wider = true; // beyond the room kept for it
      count.textContent = String(n);
      count.setAttribute('aria-label', n + ' người đang chờ');
    });
    if (rebuilt || wider) fitWaiting();
  }

  function waitingCard(s) {
    var li = document.createElement('li');
    li.className = 'waiting-item';
    li.dataset.serviceId = String(s.id);
    var prefix = span('waiting-prefix', s.prefix || '');
    if (s.prefix) {
      var rest = 'x'.repeat(s.digits > 0 && s.digits < 7 ? s.digits : 3);
      prefix.appendChild(span('prefix-rest', rest));
      prefix.title = 'Số thứ tự ' + s.prefix + rest;
    }
    li.appendChild(prefix);
    li.appendChild(span('waiting-name', s.name || ''));
    li.appendChild(span('waiting-count', ''));
    return li;
  }

  // fitWaiting shrinks the cards' type, step by step, until every name shows
  // whole and every card fits in its panel: a name is never cut.
  function fitWaiting() {
    var list = $('waiting');
    var box = list.parentNode;
    function overflows() {
      if (box.scrollHeight > box.clientHeight + 1) return true;
      var names = list.querySelectorAll('.waiting-name');
      for (var i = 0; i < names.length; i++) {
        if (names[i].scrollWidth > names[i].clientWidth + 1) return true;
      }
      return false;
    }
    var scale = 1;
    list.style.setProperty('--fit', '1');
    while (scale > 0.45 && overflows()) {
      scale = Math.round((scale - 0.05) * 100) / 100;
      list.style.setProperty('--fit', String(scale));
    }
    list.dataset.fit = String(scale);
  }

  function renderNotice() {
    var text = state.notice != null ? state.notice : state.branchNotice;
    var box = $('notice');
    var inner = $('notice-text');
    box.hidden = !text;
    if (inner.textContent !== text) {
      inner.textContent = text || '';
      inner.classList.remove('scrolling');
    }
    // A notice longer than the screen scrolls slowly, as on a ticker.
    requestAnimationFrame(function () {
      if (!text) return;
      var overflow = inner.scrollWidth > box.clientWidth;
      inner.classList.toggle('scrolling', overflow);
      if (overflow) inner.style.animationDuration = Math.max(15, text.length / 4) + 's';
    });
  }

  // ---------- messages ----------

  function applySnapshot(msg) {
    if (msg.seq < state.lastSeq) {
      console.warn('display: snapshot seq ' + msg.seq + ' is behind ' + state.lastSeq + '; the hub restarted, starting over');
    }
    state.lastSeq = msg.seq;
    state.haveSnapshot = true;
    state.counters = new Map((msg.counters || []).map(function (c) { return [String(c.id), c]; }));
    state.services = msg.services || [];
    state.waiting = Object.assign({}, msg.waiting || {});
    state.notice = typeof msg.notice === 'string' ? msg.notice : null;
    resolveFilter();
    var seen = new Set();
    state.calls = (msg.calls || []).map(function (c, i) {
      // Older snapshot calls without their own seq sort below the snapshot's seq.
      return normaliseCall(c, msg.seq - i);
    }).filter(function (c) {
      if (!shown(c)) return false;
      var key = c.ticketId != null ? 'id' + c.ticketId : 'n' + c.number;
      if (seen.has(key)) return false; // a recalled ticket shows once, at its latest call
      seen.add(key);
      return true;
    }).slice(0, MAX_CALLS);
    renderCalls();
    renderWaiting();
    renderNotice();
  }

  function applyCall(msg) {
    var call = normaliseCall(msg, msg.seq);
    call.seq = msg.seq;
    if (!shown(call)) return;
    state.calls = [call].concat(state.calls.filter(function (c) {
      return call.ticketId != null ? c.ticketId !== call.ticketId : c.number !== call.number;
    })).slice(0, MAX_CALLS);
    renderCalls();
    if (!looksStale(call)) {
      announce(call);
      return;
    }
    // Replayed after an outage, by the hub's clock as the page keeps it: ask
    // the hub the time before dropping the announcement, as that clock may
    // have drifted since it was read.
    motcua.api('GET', '/branch', undefined, { timeout: 3000 }).then(function (b) {
      var now = Date.parse(b.now), at = Date.parse(call.at);
      setHubClock(now);
      if (!isNaN(now) && !isNaN(at) && now - at > STALE_MS) skip(call, 'stale'); // the hall has moved on since
      else announce(call);
    }, function () {
      skip(call, 'stale');
    });
  }

  function announce(call) {
    if (state.calls[0] === call) flashCurrent();
    enqueueAnnouncement(call);
  }

  // looksStale reports a call made longer ago than the stale bound before it
  // arrived, measured on the hub's clock (the TV's may be wrong). Until that
  // clock is known, nothing is stale.
  function looksStale(call) {
    if (!state.clockKnown) return false;
    var at = Date.parse(call.at);
    return !isNaN(at) && Date.now() + state.clockOffsetMs - at > STALE_MS;
  }

  function handleMessage(msg) {
    if (!msg || typeof msg.type !== 'string' || typeof msg.seq !== 'number') return;
    if (msg.type === 'snapshot') {
      applySnapshot(msg);
      return;
    }
    // The loop passes each seq once: a call is never announced twice.
    state.lastSeq = msg.seq;
    if (msg.type === 'call') {
      applyCall(msg);
    } else if (msg.type === 'queue') {
      Object.assign(state.waiting, msg.waiting || {});
      renderWaiting();
    } else if (msg.type === 'hall') {
      reloadHall();
    }
  }

  // reloadHall follows a change of the hall (a service added, a counter
  // retired, a new notice): a second, one-shot connection reads a fresh
  // snapshot for the services, counters and notice. The main connection stays
  // as it is, so no call is missed or announced twice meanwhile.
  function reloadHall() {
    var ws;
    try {
      ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + socketPath());
    } catch (err) {
      return;
    }
    var done = setTimeout(function () { ws.close(); }, 10000);
    ws.onmessage = function (ev) {
      clearTimeout(done);
      ws.close();
      var m;
      try { m = JSON.parse(ev.data); } catch (err) { return; }
      if (!m || m.type !== 'snapshot') return;
      state.counters = new Map((m.counters || []).map(function (c) { return [String(c.id), c]; }));
      state.services = m.services || [];
      Object.assign(state.waiting, m.waiting || {});
      if (typeof m.notice === 'string') state.notice = m.notice;
      resolveFilter();
      renderCalls();
      renderWaiting();
      renderNotice();
      state.hallReloads = (state.hallReloads || 0) + 1;
    };
  }

  // ---------- websocket (the shared loop of motcua.js) ----------

  var socket = null;

  function socketPath() {
    var query = [];
    ['services', 'counters'].forEach(function (k) {
      // Keep the commas readable in the hub's logs: services=1,2 rather than 1%2C2.
      if (params.get(k)) query.push(k + '=' + encodeURIComponent(params.get(k)).replace(/%2C/gi, ','));
    });
    return '/ws/display' + (query.length ? '?' + query.join('&') : '');
  }

  var connectionMarkTimer = null;

  // setConnected shows an outage so that it is seen from across the hall: a
  // banner over the top of the screen, and the numbers greyed (they may be
  // out of date). A quick reconnect does not flicker it.
  function setConnected(ok) {
    document.body.dataset.connection = ok ? 'open' : 'reconnecting';
    clearTimeout(connectionMarkTimer);
    if (ok) {
      $('connection').hidden = true;
      document.body.classList.remove('offline');
    } else {
      connectionMarkTimer = setTimeout(function () {
        $('connection').hidden = false;
        document.body.classList.add('offline');
      }, 2000);
    }
  }

  // ---------- clock, branch header ----------

  var WEEKDAYS = { Sun: 'Chủ Nhật', Mon: 'Thứ Hai', Tue: 'Thứ Ba', Wed: 'Thứ Tư', Thu: 'Thứ Năm', Fri: 'Thứ Sáu', Sat: 'Thứ Bảy' };
  var formatters = {};

  function dateParts(d) {
    var key = state.timeZone || '';
    if (!formatters[key]) {
      var opts = { weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit',
        hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
      if (state.timeZone) opts.timeZone = state.timeZone;
      try {
        formatters[key] = new Intl.DateTimeFormat('en-US', opts);
      } catch (err) { // unknown time zone name: show the TV's local time
        delete opts.timeZone;
        formatters[key] = new Intl.DateTimeFormat('en-US', opts);
      }
    }
    var parts = {};
    formatters[key].formatToParts(d).forEach(function (p) { parts[p.type] = p.value; });
    return parts;
  }

  function tickClock() {
    var p = dateParts(new Date(Date.now() + state.clockOffsetMs));
    $('clock-time').textContent = p.hour + ':' + p.minute;
    $('clock-date').textContent = (WEEKDAYS[p.weekday] || '') + ', ' + p.day + '/' + p.month + '/' + p.year;
  }

  // TVs often keep a wrong clock; trust the hub's, unless the gap is only latency.
  function setHubClock(now) {
    if (isNaN(now)) return;
    state.clockOffsetMs = Math.abs(now - Date.now()) > 5000 ? now - Date.now() : 0;
    state.clockKnown = true;
  }

  function loadBranch() {
    motcua.api('GET', '/branch').then(function (b) {
      if (b.center_name) $('center-name').textContent = b.center_name;
      if (b.name) {
        $('branch-name').textContent = b.name;
        document.title = b.name + ' – Màn hình gọi số';
      }
      if (b.time_zone && b.time_zone !== state.timeZone) {
        state.timeZone = b.time_zone;
        renderCalls(); // call times follow the branch's zone, not the TV's
      }
      setHubClock(Date.parse(b.now));
      state.branchNotice = b.notice || '';
      renderNotice();
      tickClock();
      setTimeout(loadBranch, 60 * 60 * 1000);
    }).catch(function (err) {
      console.warn('display: branch not loaded:', err);
      setTimeout(loadBranch, 60 * 1000);
    });
  }

  // ---------- nightly reload ----------

  // The page reloads once a night (around 03:00, spread over a quarter hour)
  // to shed whatever the browser leaks over days. It reloads only when the hub
  // answers: a reload during an outage would leave an error page on the TV.
  var reloadAt = nextNight(new Date(Date.now()));

  function nextNight(from) {
    var d = new Date(from.getTime());
    d.setHours(3, Math.floor(Math.random() * 15), 0, 0);
    if (d.getTime() - from.getTime() < 60 * 60 * 1000) d.setDate(d.getDate() + 1);
    return d.getTime();
  }

  // maybeReload runs on the watchdog's tick. An announcement being made is
  // let finish: it always does, by its deadline.
  function maybeReload() {
    if (Date.now() < reloadAt || current) return;
    reloadAt = Date.now() + 5 * 60 * 1000; // next try if the hub does not answer
    fetch(location.href, { cache: 'no-store' }).then(function (r) {
      if (r.ok) location.reload();
    }).catch(function () {});
  }

  // ---------- start ----------

  // Any touch on the overlay counts, not only on the button itself.
  $('sound-overlay').addEventListener('click', unlockSound);
  // A TV remote or keyboard counts as the gesture too.
  document.addEventListener('keydown', function () { if (!$('sound-overlay').hidden) unlockSound(); });
  if ('speechSynthesis' in window) window.speechSynthesis.getVoices(); // starts loading the voice list

  renderCalls();
  renderWaiting();
  window.addEventListener('resize', fitWaiting);
  tickClock();
  setInterval(tickClock, 1000);
  loadBranch();
  checkAutoplay();
  if (!muted) ['chime', 'moi-cong-dan', 'den-quay-so'].forEach(function (n) { audio.load(n); });
  setConnected(false);
  socket = motcua.live({
    url: socketPath,
    message: handleMessage,
    state: setConnected,
    silenceMs: SILENCE_BEFORE_RECONNECT_MS // catches half-open connections on flaky Wi-Fi
  });
})();
