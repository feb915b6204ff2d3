// munix web desktop: login, dashboard, files and editor, hardware, terminal.
// Plain browser JavaScript, no framework: the board serves every byte of it.
"use strict";

const $ = id => document.getElementById(id);
const REFRESH_MS = 3000;
const EDIT_MAX = 256 * 1024;      // bigger files are downloaded, not edited
const SCROLLBACK = 1000;          // terminal lines kept

let csrf = "";
let timer = null;
let cwd = sessionStorage.getItem("cwd") || "/";    // kept over a reload
let socket = null;

// ---- the API ----

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

function headers(method) {
  // X-Requested-With tells the daemon not to ask the browser for Basic
  // credentials (its own dialog would cover the login page).
  const h = {"X-Requested-With": "munix"};
  if (method !== "GET" && method !== "HEAD") h["X-CSRF-Token"] = csrf;
  return h;
}

async function api(method, path, body, raw) {
  const h = headers(method);
  if (body !== undefined && !(body instanceof Blob) && typeof body !== "string") {
    body = JSON.stringify(body);
    h["Content-Type"] = "application/json";
  }
  const r = await fetch("/api" + path, {method, body, headers: h, credentials: "same-origin"});
  if (r.ok && raw) return r;
  const kind = r.headers.get("Content-Type") || "";
  const data = kind.startsWith("application/json") ? await r.json() : await r.text();
  if (!r.ok) {
    const err = new ApiError(r.status, (data && data.error) || r.status + " " + r.statusText);
    if (r.status === 401 && path !== "/login" && path !== "/session") loggedOut("Your session ended: log in again.");
    throw err;
  }
  return data;
}

// Paths go into URLs a segment at a time: names may hold spaces, #, ?, %.
const url = path => path.split("/").map(encodeURIComponent).join("/");
const join = (dir, name) => (dir === "/" ? "" : dir) + "/" + name;
const parent = path => path.replace(/\/[^/]*$/, "") || "/";

function human(n) {
  if (n === null || n === undefined) return "unknown";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 || n >= 10 ? Math.round(n) : n.toFixed(1)) + " " + units[i];
}

function duration(s) {
  const days = Math.floor(s / 86400);
  s %= 86400;
  const two = n => String(n).padStart(2, "0");
  const text = Math.floor(s / 3600) + ":" + two(Math.floor(s / 60) % 60) + ":" + two(s % 60);
  return days ? days + (days === 1 ? " day, " : " days, ") + text : text;
}

function el(tag, text, attrs) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  Object.assign(e, attrs || {});
  return e;
}

function note(text) {
  $("note").textContent = text || "";
  $("note").hidden = !text;
}

// ---- login ----

async function start() {
  try {
    const s = await api("GET", "/session");
    loggedIn(s);
  } catch (err) {
    if (err.status === 401) return loggedOut();
    // Busy (503: its heap or its clients full) or restarting: asked
    // again, as its user would reload the page.
    note("The board does not answer: " + err.message + "; asking again");
    setTimeout(start, 2000);
  }
}

function loggedIn(s) {
  csrf = s.csrf || "";
  $("login").hidden = true;
  $("app").hidden = false;
  $("tabs").hidden = false;
  $("who").hidden = !s.user;
  $("user").textContent = s.user || "";
  note("");
  show(location.hash.slice(1) || "dash");
}

function loggedOut(message) {
  clearInterval(timer);
  timer = null;
  if (socket) socket.close();
  csrf = "";
  $("app").hidden = true;
  $("tabs").hidden = true;
  $("who").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message || "";
  note("");
  $("login-password").value = "";
  $("login-user").focus();
}

$("login").onsubmit = async ev => {
  ev.preventDefault();
  $("login-error").textContent = "";
  $("login-go").disabled = true;
  try {
    const s = await api("POST", "/login", {user: $("login-user").value, password: $("login-password").value});
    $("login-password").value = "";
    loggedIn(s);
  } catch (err) {
    $("login-error").textContent = err.message;
  } finally {
    $("login-go").disabled = false;
  }
};

$("logout").onclick = async () => {
  try { await api("POST", "/logout", {}); } catch (err) { /* gone already: the login page either way */ }
  loggedOut("Logged out.");
};

// ---- tabs ----

function show(tab) {
  if (!$(tab) || !$(tab).parentNode || $(tab).parentNode.id !== "app") tab = "dash";
  for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("on", b.dataset.tab === tab);
  for (const s of document.querySelectorAll("#app > section")) s.hidden = s.id !== tab;
  history.replaceState(null, "", "#" + tab);
  clearInterval(timer);
  timer = null;
  if (tab === "dash") {
    refresh();
    timer = setInterval(refresh, REFRESH_MS);
  } else if (tab === "files") {
    list(cwd);
  } else if (tab === "hw") {
    hardware();
    timer = setInterval(hardware, REFRESH_MS);
  } else if (tab === "term") {
    if (!socket) connect();
    else resize();
    $("t-in").focus();
  }
}

for (const b of document.querySelectorAll("#tabs button")) b.onclick = () => show(b.dataset.tab);

// ---- dashboard ----

let refreshing = false;

async function refresh() {
  if (refreshing) return;
  refreshing = true;
  try {
    const s = await api("GET", "/sys");
    showSys(s);
    try {
      showDash(await api("GET", "/dash"));
    } catch (err) {
      if (err.status === 401) return;
      $("d-log").textContent = "(" + err.message + ")";
    }
    $("d-when").textContent = new Date().toLocaleTimeString();
  } catch (err) {
    if (err.status !== 401) note("Dashboard: " + err.message);
  } finally {
    refreshing = false;
  }
}

function showSys(s) {
  const set = (id, text) => { $(id).textContent = text; };
  $("host").textContent = s.hostname || "";
  set("d-board", s.board || s.platform || "unknown");
  set("d-version", s.name + " " + s.version);
  set("d-micropython", s.micropython + " (" + s.platform + ")");
  set("d-cpu", s.cpu_hz ? Math.round(s.cpu_hz / 1e6) + " MHz" : "unknown");
  set("d-uptime", duration(s.uptime_s));
  const m = s.memory || {};
  set("d-heap-total", human(m.total));
  set("d-heap-used", human(m.used));
  set("d-heap-free", human(m.free));
  set("d-heap-largest", human(m.largest));
  const f = s.flash;
  set("d-flash-total", f ? human(f.total) : "unknown");
  set("d-flash-used", f ? human(f.total - f.free) : "unknown");
  set("d-flash-free", f ? human(f.free) : "unknown");
  const w = s.wifi;
  let wifi = "unknown";
  if (w) {
    wifi = w.mode || "off";
    if (w.ssid) wifi += " " + w.ssid;
    if (w.rssi !== null && w.rssi !== undefined) wifi += " (" + w.rssi + " dBm)";
  }
  set("d-wifi", wifi);
  set("d-address", (w && w.address) || (s.network && s.network.address) || "none");
}

function rows(table, items, cells) {
  const body = $(table).tBodies[0];
  body.replaceChildren();
  for (const item of items) {
    const tr = body.insertRow();
    for (const c of cells(item)) tr.insertCell().append(c);
  }
  if (!items.length) body.insertRow().insertCell().textContent = "none";
}

function showDash(d) {
  rows("d-daemons", d.daemons || [], x => [x.name, String(x.port), String(x.sessions), String(x.pid)]);
  rows("d-jobs", d.jobs || [], job => {
    const stop = el("button", "Stop", {className: "stop"});
    stop.onclick = async () => {
      stop.disabled = true;
      try {
        const r = await api("POST", "/run", {cmd: "kill " + job.pid});
        if (r.status) note(r.output.trim() || "kill " + job.pid + ": status " + r.status);
      } catch (err) {
        note("Stop: " + err.message);
      }
      refresh();
    };
    return [String(job.pid), job.cmd, job.state, job.started_by || "", stop];
  });
  $("d-cron").textContent = (d.cron || []).join("\n") || "(no cron table)";
  const log = $("d-log");
  log.textContent = (d.log || []).join("\n") || "(empty)";
  log.scrollTop = log.scrollHeight;
}

// ---- files ----

function fileError(err) { $("f-error").textContent = err ? err.message : ""; }

async function list(path) {
  fileError();
  let d;
  try {
    d = await api("GET", "/fs" + url(path));
  } catch (err) {
    fileError(err);
    if (err.status === 404 && path !== "/") return list(parent(path));
    return;
  }
  cwd = d.path;
  sessionStorage.setItem("cwd", cwd);
  $("f-path").textContent = cwd;
  $("f-up").disabled = cwd === "/";
  const body = $("f-list").tBodies[0];
  body.replaceChildren();
  for (const e of d.entries) {
    const full = join(cwd, e.name);
    const tr = body.insertRow();
    tr.dataset.name = e.name;
    const name = el("a", e.name + (e.type === "dir" ? "/" : ""), {className: "name"});
    const acts = el("span", undefined, {className: "acts"});
    if (e.type === "dir") {
      name.href = "#files";
      name.onclick = ev => { ev.preventDefault(); list(full); };
    } else {
      name.href = "/api/fs" + url(full);
      name.download = e.name;
      acts.append(action("Edit", () => edit(full, e.size)));
    }
    acts.append(action("Rename", () => rename(full)), action("Delete", () => remove(full)));
    tr.insertCell().append(name);
    tr.insertCell().textContent = e.type === "dir" ? "" : human(e.size);
    tr.insertCell().append(acts);
  }
}

function action(label, fn) {
  const b = el("button", label, {className: label.toLowerCase()});
  b.onclick = () => fn().catch(fileError);
  return b;
}

async function rename(path) {
  const to = prompt("Rename " + path + " to", path.slice(path.lastIndexOf("/") + 1));
  if (!to) return;
  await api("POST", "/fs" + url(path), {rename: to.startsWith("/") ? to : join(parent(path), to)});
  await list(cwd);
}

async function remove(path) {
  if (!confirm("Delete " + path + "?")) return;
  await api("DELETE", "/fs" + url(path));
  await list(cwd);
}

$("f-up").onclick = () => list(parent(cwd));

$("f-mkdir").onclick = async () => {
  const name = prompt("New folder in " + cwd);
  if (!name) return;
  try {
    await api("POST", "/fs" + url(join(cwd, name)), {mkdir: true});
    await list(cwd);
  } catch (err) { fileError(err); }
};

// Uploads go through XMLHttpRequest: fetch reports no upload progress.
function put(path, file, progress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open("PUT", "/api/fs" + url(path));
    const h = headers("PUT");
    for (const k in h) x.setRequestHeader(k, h[k]);
    x.upload.onprogress = ev => { if (ev.lengthComputable) progress(ev.loaded, ev.total); };
    x.onload = () => {
      let data = {};
      try { data = JSON.parse(x.responseText); } catch (err) { data = {error: x.responseText}; }
      if (x.status >= 200 && x.status < 300) return resolve(data);
      if (x.status === 401) loggedOut("Your session ended: log in again.");
      reject(new ApiError(x.status, data.error || x.status + " " + x.statusText));
    };
    x.onerror = () => reject(new ApiError(0, "the upload was cut off"));
    x.send(file);
  });
}

$("f-upload").onchange = ev => {
  const files = Array.from(ev.target.files);
  ev.target.value = "";
  upload(files);
};

// Files dropped anywhere on the panel go into the folder shown.
$("files").ondragover = ev => { ev.preventDefault(); ev.dataTransfer.dropEffect = "copy"; };
$("files").ondrop = ev => {
  ev.preventDefault();
  upload(Array.from(ev.dataTransfer.files));
};

async function upload(files) {
  if (!files.length) return;
  fileError();
  $("f-progress").hidden = false;
  for (const f of files) {
    const path = join(cwd, f.name);
    try {
      await put(path, f, (done, total) => {
        $("f-bar").value = total ? done / total : 1;
        $("f-status").textContent = f.name + ": " + human(done) + " of " + human(total);
      });
      $("f-bar").value = 1;
      $("f-status").textContent = f.name + ": uploaded, " + human(f.size);
    } catch (err) {
      $("f-status").textContent = f.name + ": not uploaded";
      fileError(err);
      break;
    }
  }
  list(cwd);
}

// ---- editor ----

let editing = null;

async function edit(path, size) {
  if (size > EDIT_MAX) throw new Error(path + " is " + human(size) + ": download it to edit it");
  const r = await api("GET", "/fs" + url(path), undefined, true);
  $("e-text").value = await r.text();
  editing = path;
  $("e-path").textContent = path;
  $("e-status").textContent = "";
  $("editor").hidden = false;
  $("e-text").focus();
}

async function save() {
  $("e-status").textContent = "saving…";
  try {
    const r = await api("PUT", "/fs" + url(editing), new Blob([$("e-text").value]));
    $("e-status").textContent = "saved, " + human(r.size);
    list(cwd);
  } catch (err) {
    $("e-status").textContent = err.message;
  }
}

$("e-save").onclick = save;
$("e-close").onclick = () => { $("editor").hidden = true; editing = null; };
$("e-text").onkeydown = ev => {
  if ((ev.ctrlKey || ev.metaKey) && ev.key === "s") { ev.preventDefault(); save(); }
};

// ---- hardware: pins, sensors, the LED (/api/hw) ----

let probing = false, probeAgain = false;

function hwError(err) { $("h-error").textContent = err ? err.message : ""; }

async function hardware() {
  // One request at a time; one asked meanwhile (after an action) follows.
  if (probing) { probeAgain = true; return; }
  probing = true;
  try {
    showHw(await api("GET", "/hw"));
    hwError();
    $("h-when").textContent = new Date().toLocaleTimeString();
  } catch (err) {
    if (err.status !== 401) hwError(err);
  } finally {
    probing = false;
    if (probeAgain) { probeAgain = false; hardware(); }
  }
}

// An action, then the panel as the board has it now.
async function hwDo(body) {
  try {
    await api("POST", "/hw", body);
    hwError();
  } catch (err) {
    hwError(err);
  }
  await hardware();
}

const gpioName = g => typeof g === "number" ? "GPIO" + g : g;

function showHw(h) {
  $("h-board").textContent = h.board || "this board";
  const led = h.led;
  $("h-led-state").textContent = !led ? "none in the board file"
    : led.booked ? "used by " + led.booked
    : (led.on ? "on" : "off") + " (" + gpioName(led.pin) + (led.kind === "neopixel" ? ", NeoPixel" : "") + ")";
  $("h-led-toggle").hidden = !led;
  $("h-led-toggle").disabled = !led || !!led.booked;
  $("h-led-toggle").textContent = led && led.on ? "Turn off" : "Turn on";
  const pick = $("h-led-colour");
  pick.hidden = !led || led.kind !== "neopixel";
  pick.disabled = !led || !!led.booked;
  // Not while the user is choosing: the refresh would undo the choice.
  if (led && led.colour && document.activeElement !== pick) pick.value = led.colour;
  rows("h-sensors", h.sensors || [], s => s.error ? [s.name, s.error, ""]
    : [s.name, s.celsius.toFixed(1) + " \u00b0C", s.humidity === undefined ? "" : s.humidity.toFixed(1) + " %RH"]);
  rows("h-pins", h.pins || [], p => {
    const drive = el("span");
    if (p.usable && !p.input_only) {
      const b = el("button", "Toggle", {className: "toggle"});
      b.onclick = () => { b.disabled = true; hwDo({pin: p.gpio, toggle: true}); };
      drive.append(b);
    }
    const use = p.booked ? "used by " + p.booked : p.why || (p.input_only ? "input only" : "free");
    return [gpioName(p.gpio), p.labels.join(", "), p.mode || "", p.value === null ? "" : String(p.value), use, drive];
  });
  for (const tr of $("h-pins").tBodies[0].rows) {
    const p = (h.pins || [])[tr.sectionRowIndex];
    if (p) {
      tr.dataset.gpio = p.gpio;
      tr.classList.toggle("off", !p.usable);
    }
  }
}

$("h-led-toggle").onclick = () => hwDo({led: $("h-led-toggle").textContent === "Turn off" ? "off" : "on"});
$("h-led-colour").onchange = () => hwDo({led: $("h-led-colour").value});
$("h-refresh").onclick = hardware;

// ---- terminal ----

// A small VT100 subset: what munix's line editor and programs send.
class Screen {
  constructor(pre) {
    this.pre = pre;
    this.lines = [""];
    this.row = 0;
    this.col = 0;
    this.cols = 80;
    this.rows = 24;
    this.pending = "";      // an escape sequence cut between two frames
    this.drawn = true;
  }

  top() { return Math.max(0, this.lines.length - this.rows); }

  down() {
    this.row++;
    if (this.row >= this.lines.length) this.lines.push("");
    if (this.lines.length > SCROLLBACK) {
      const drop = this.lines.length - SCROLLBACK;
      this.lines.splice(0, drop);
      this.row -= drop;
    }
  }

  put(ch) {
    if (this.col >= this.cols) { this.down(); this.col = 0; }
    let line = this.lines[this.row];
    if (line.length < this.col) line += " ".repeat(this.col - line.length);
    this.lines[this.row] = line.slice(0, this.col) + ch + line.slice(this.col + 1);
    this.col++;
  }

  csi(params, final) {
    const n = parseInt(params, 10) || 1;
    const line = this.lines[this.row];
    switch (final) {
      case "K":
        if (params === "" || params === "0") this.lines[this.row] = line.slice(0, this.col);
        else if (params === "1") this.lines[this.row] = " ".repeat(this.col) + line.slice(this.col);
        else if (params === "2") this.lines[this.row] = "";
        break;
      case "C": this.col = Math.min(this.col + n, this.cols - 1); break;
      case "D": this.col = Math.max(this.col - n, 0); break;
      case "A": this.row = Math.max(this.row - n, this.top()); break;
      case "B": this.row = Math.min(this.row + n, this.lines.length - 1); break;
      case "H": case "f": {
        const [r, c] = params.split(";").map(x => parseInt(x, 10) || 1);
        this.row = this.top() + (r || 1) - 1;
        while (this.row >= this.lines.length) this.lines.push("");
        this.col = (c || 1) - 1;
        break;
      }
      case "J":
        if (params === "2" || params === "3") { this.lines = [""]; this.row = 0; this.col = 0; }
        else if (params === "" || params === "0") {
          this.lines.length = this.row + 1;
          this.lines[this.row] = line.slice(0, this.col);
        }
        break;
      // Colours (m) and everything else: ignored, the text stays readable.
    }
  }

  write(text) {
    const s = this.pending + text;
    this.pending = "";
    let i = 0;
    while (i < s.length) {
      const ch = s[i];
      if (ch === "\x1b") {
        if (i + 1 >= s.length) { this.pending = s.slice(i); break; }
        if (s[i + 1] === "[") {
          let j = i + 2;
          while (j < s.length && !(s.charCodeAt(j) >= 0x40 && s.charCodeAt(j) <= 0x7e)) j++;
          if (j >= s.length) { this.pending = s.slice(i); break; }
          this.csi(s.slice(i + 2, j).replace(/^[?>]/, ""), s[j]);
          i = j + 1;
        } else if (s[i + 1] === "]") {
          // An operating system command (a window title): up to BEL or ESC \.
          const end = s.slice(i).search(/\x07|\x1b\\/);
          if (end < 0) { this.pending = s.slice(i); break; }
          i += end + (s[i + end] === "\x07" ? 1 : 2);
        } else {
          i += 2;
        }
        continue;
      }
      if (ch === "\r") this.col = 0;
      else if (ch === "\n") this.down();
      else if (ch === "\b") this.col = Math.max(this.col - 1, 0);
      else if (ch === "\t") { do this.put(" "); while (this.col % 8 && this.col < this.cols); }
      else if (ch >= " " && ch !== "\x7f") this.put(ch);
      i++;
    }
    this.draw();
  }

  clear() { this.lines = [""]; this.row = 0; this.col = 0; this.draw(); }

  draw() {
    if (!this.drawn) return;
    this.drawn = false;
    requestAnimationFrame(() => {
      this.drawn = true;
      const line = this.lines[this.row];
      const before = this.lines.slice(0, this.row).concat(line.slice(0, this.col)).join("\n");
      const after = [line.slice(this.col + 1)].concat(this.lines.slice(this.row + 1)).join("\n");
      const cursor = el("span", line[this.col] || " ", {className: "cursor"});
      this.pre.replaceChildren(before, cursor, after);
      const box = this.pre.parentNode;
      box.scrollTop = box.scrollHeight;
    });
  }
}

const display = new Screen($("t-out"));
const decoder = new TextDecoder();
const KEYS = {Enter: "\r", Backspace: "\x7f", Tab: "\t", Escape: "\x1b", ArrowUp: "\x1b[A",
  ArrowDown: "\x1b[B", ArrowRight: "\x1b[C", ArrowLeft: "\x1b[D", Home: "\x1b[H", End: "\x1b[F",
  Delete: "\x1b[3~", "C-c": "\x03"};

function send(data) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(data);
}

function size() {
  // The character cell, measured once in the screen's own font.
  const probe = el("span", "M".repeat(10));
  $("t-out").append(probe);
  const w = probe.getBoundingClientRect().width / 10;
  const h = probe.getBoundingClientRect().height;
  probe.remove();
  const box = $("t-view");
  return {cols: Math.max(20, Math.floor((box.clientWidth - 8) / (w || 8))),
          rows: Math.max(5, Math.floor((box.clientHeight - 8) / (h || 16)))};
}

function resize() {
  if ($("term").hidden) return;      // a hidden screen measures nothing
  const s = size();
  if (s.cols === display.cols && s.rows === display.rows) return;
  display.cols = s.cols;
  display.rows = s.rows;
  send("\x00" + JSON.stringify(s));
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  const ws = new WebSocket(scheme + location.host + "/api/term?csrf=" + encodeURIComponent(csrf));
  ws.binaryType = "arraybuffer";
  socket = ws;
  $("t-status").textContent = "connecting…";
  $("t-connect").hidden = true;
  ws.onopen = () => {
    $("t-status").textContent = "connected";
    const s = size();
    display.cols = s.cols;
    display.rows = s.rows;
    ws.send("\x00" + JSON.stringify(s));
  };
  ws.onmessage = ev => display.write(typeof ev.data === "string" ? ev.data : decoder.decode(ev.data, {stream: true}));
  let opened = false;
  ws.addEventListener("open", () => { opened = true; });
  ws.onclose = ev => {
    if (socket === ws) socket = null;
    $("t-status").textContent = !opened ? "could not connect (the Net log may say why)"
      : "session closed" + (ev.code && ev.code !== 1000 && ev.code !== 1005 ? " (" + ev.code + ")" : "");
    $("t-connect").hidden = false;
  };
}

$("t-connect").onclick = () => { display.clear(); connect(); $("t-in").focus(); };
$("t-screen").onclick = () => $("t-in").focus();
for (const b of document.querySelectorAll("#term .keys button")) {
  b.onclick = () => { send(KEYS[b.dataset.key]); $("t-in").focus(); };
}

$("t-in").onkeydown = ev => {
  if (ev.isComposing) return;
  let data = null;
  if (ev.ctrlKey && !ev.altKey && !ev.metaKey && ev.key.length === 1 && ev.key.toLowerCase() !== "v") {
    const code = ev.key.toUpperCase().charCodeAt(0);
    if (code >= 64 && code <= 95) data = String.fromCharCode(code - 64);
  } else if (!ev.ctrlKey && !ev.metaKey && KEYS[ev.key]) {
    data = KEYS[ev.key];
  }
  if (data !== null) {
    ev.preventDefault();
    send(data);
  }
};

// Typed text, pasted text and a phone keyboard's words all arrive here.
function typed() {
  const t = $("t-in");
  if (t.value) send(t.value.replace(/\r?\n/g, "\r"));
  t.value = "";
}
$("t-in").oninput = ev => { if (!ev.isComposing) typed(); };
$("t-in").addEventListener("compositionend", typed);

let resizing = null;
window.addEventListener("resize", () => {
  clearTimeout(resizing);
  resizing = setTimeout(() => { if (socket) resize(); }, 200);
});

window.addEventListener("hashchange", () => { if (!$("app").hidden) show(location.hash.slice(1)); });

start();
