// The heater's own page (docs/web.md). Reads are open; writes carry the owner's
// credential, typed once into the sign-in form and kept in sessionStorage (gone when
// the tab closes). No library, no CDN: the heater may have no internet.
"use strict";

const AUTH_KEY = "hearth-authorization";
const PRICE_KEY = "hearth-price-per-kwh";
const POLL_MS = 2000;
let current = null; // the last /api/heater document
let facts = null; // the last /api/system/info

const $ = (id) => document.getElementById(id);
const auth = () => sessionStorage.getItem(AUTH_KEY);

function say(text) { $("message").textContent = text; }

function num(value, digits) {
  return value === null || value === undefined ? "–" : Number(value).toFixed(digits);
}

async function getJson(path, withAuth) {
  const headers = {};
  if (withAuth && auth()) headers.Authorization = auth();
  const response = await fetch(path, { headers, cache: "no-store" });
  return { status: response.status, body: await response.json().catch(() => null) };
}

async function write(method, path, body) {
  if (!auth()) { say("Sign in with the owner token to change settings."); return null; }
  const response = await fetch(path, {
    method,
    headers: { "Content-Type": "application/json", Authorization: auth() },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (response.status === 401) { say("The token was refused; sign in again."); signOut(); }
  else if (!response.ok) say(answer.error || `refused (${response.status})`);
  else say("Saved.");
  await refresh();
  return response.ok ? answer : null;
}

function showSignedIn() {
  const signedIn = Boolean(auth());
  $("login").classList.toggle("hidden", signedIn);
  $("logout").classList.toggle("hidden", !signedIn);
  for (const el of document.querySelectorAll(".write")) el.disabled = !signedIn;
}

function signOut() {
  sessionStorage.removeItem(AUTH_KEY);
  $("homekit").classList.add("hidden");  // the setup code is the owner's to see
  showHomeKitQr(null);
  $("update-form").classList.add("hidden");  // so is the firmware upload
  $("update-reboot").classList.add("hidden");
  showSignedIn();
}

function render() {
  const s = current.state;
  $("room").textContent = num(s.room_c, 1);
  $("target").textContent = num(s.target_c, 1);
  if (document.activeElement !== $("mode")) $("mode").value = current.settings.mode;
  $("action").textContent = s.action;
  $("power").textContent = num(s.power_w, 0);
  $("hashrate").textContent = num(s.hashrate_ghs / 1000, 2);
  $("pool").textContent = s.pool === "connected" ? `connected (${s.pool_url})` : s.pool;
  $("earned").textContent = num(s.earned_sats, 1);
  $("energy").textContent = num(s.energy_kwh, 3);
  const price = Number(localStorage.getItem(PRICE_KEY));
  $("cost").textContent = price > 0 ? `cost ${(s.energy_kwh * price).toFixed(2)}` : "set a price below";
  const alarms = $("alarms");
  alarms.replaceChildren();
  for (const code of s.alarms.length ? s.alarms : ["none"]) {
    const li = document.createElement("li");
    li.textContent = code;
    li.className = s.alarms.length ? "alarm" : "muted";
    alarms.append(li);
  }
  $("version").textContent = s.firmware;
}

async function refresh() {
  try {
    const heater = await getJson("/api/heater", false);
    current = heater.body;
    render();
    $("conn").textContent = `live · ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    $("conn").textContent = "heater not answering";
  }
}

async function loadFacts() {
  const info = await getJson("/api/system/info", false);
  facts = info.body;
  $("name").textContent = facts.hostname;
  document.title = `${facts.hostname} · Hearth`;
  if (!$("hostname").value) $("hostname").value = facts.hostname;
  $("board").textContent = `${facts.deviceModel} (${facts.asicCount}× ${facts.ASICModel})`;
  const pools = current ? current.pools : [];
  if (pools.length && !$("pool-url").value) {
    $("pool-url").value = pools[0].url;
    $("pool-user").value = pools[0].user;
  }
}

async function loadPairing() {
  if (!auth()) return;
  const code = await getJson("/api/pair/code", true);
  if (code.status === 404) { $("pairing").classList.add("hidden"); return; }
  if (code.status === 200 && code.body.code) {
    $("pair-code").textContent = code.body.code;
    $("pair-left").textContent = `(${Math.round(code.body.expires_in_s / 60)} min left)`;
  } else {
    $("pair-code").textContent = (code.body && code.body.error) || "not available";
  }
}

async function loadHomeKit() {
  if (!auth()) return;
  const hk = await getJson("/api/homekit", true);
  $("homekit").classList.toggle("hidden", hk.status !== 200);
  if (hk.status !== 200) return;
  $("hk-code").textContent = hk.body.running ? hk.body.setup_code : "not running";
  $("hk-uri").textContent = hk.body.setup_uri || "–";
  $("hk-paired").textContent = hk.body.running
    ? (hk.body.paired ? "(paired with a Home)" : "(not paired yet)") : "";
  if (!hk.body.running) { showHomeKitQr(null); return; }
  // The QR code is a credential too: fetched with the owner's header (an <img src> could
  // not carry it) and shown from a blob URL, never from a cache.
  const qr = await fetch("/api/homekit/qr.svg", { headers: { Authorization: auth() }, cache: "no-store" });
  showHomeKitQr(qr.ok ? await qr.blob() : null);
}

function showHomeKitQr(blob) {
  const img = $("hk-qr");
  if (img.src) URL.revokeObjectURL(img.src);
  if (blob) img.src = URL.createObjectURL(blob);
  else img.removeAttribute("src");
  img.classList.toggle("hidden", !blob);
}

function sayUpdate(text) { $("update-message").textContent = text; }

// The Firmware card's upload form: only for the owner, only where the heater has an
// update root (`GET /api/update` is 404 without one).
async function loadUpdate() {
  if (!auth()) return;
  const update = await getJson("/api/update", true);
  $("update-form").classList.toggle("hidden", update.status !== 200);
  if (update.status !== 200) { $("update-reboot").classList.add("hidden"); return; }
  const waiting = update.body.restart_pending;
  $("update-reboot").classList.toggle("hidden", !waiting);
  if (waiting) $("update-reboot").textContent = `Restart into ${update.body.trial_version}`;
}

async function uploadFirmware(event) {
  event.preventDefault();
  const file = $("update-file").files[0];
  if (!file || !auth()) return;
  sayUpdate(`Uploading ${file.name} (${(file.size / 1e6).toFixed(1)} MB) and checking its signature…`);
  $("update-upload").disabled = true;
  try {
    const response = await fetch("/api/update", {
      method: "POST",
      headers: { "Content-Type": "application/octet-stream", Authorization: auth() },
      body: file,
    });
    const answer = await response.json().catch(() => ({}));
    if (response.status === 401) { sayUpdate("The token was refused; sign in again."); signOut(); }
    else if (!response.ok) {
      sayUpdate(`Not installed: ${answer.error || `refused (${response.status})`}. Nothing was changed.`);
    } else {
      sayUpdate(`Version ${answer.version} is installed on trial (slot ${answer.slot}). ` +
        "Restart to run it; if it does not prove itself healthy, the heater goes back to this firmware.");
    }
  } catch (err) {
    sayUpdate("The upload did not reach the heater. Nothing was changed.");
  } finally {
    $("update-upload").disabled = !auth();
    await loadUpdate();
  }
}

async function restartIntoUpdate() {
  const version = $("update-reboot").textContent.replace("Restart into ", "");
  if (!window.confirm(`Restart the heater into ${version}? It stops heating and mining ` +
      "for about a minute while it restarts.")) {
    sayUpdate("Not restarted; the new firmware waits for a restart.");
    return;
  }
  const response = await fetch("/api/update/reboot", { method: "POST", headers: { Authorization: auth() } });
  const answer = await response.json().catch(() => ({}));
  sayUpdate(response.ok
    ? `Restarting into ${answer.version} on trial; this page reconnects when the heater is back.`
    : `Not restarted: ${answer.error || `refused (${response.status})`}.`);
  if (response.ok) $("update-reboot").classList.add("hidden");
}

// Each owner card on its own: one that fails or is missing (no pairing service, no
// HomeKit, no update root) leaves the others loading.
async function loadOwnerCards() {
  await Promise.allSettled([loadPairing(), loadHomeKit(), loadUpdate()]);
}

function polyline(svg, points, color, lo, hi, t0, t1) {
  const w = 600, h = Number(svg.viewBox.baseVal.height);
  let d = "";
  for (const [t, v] of points) {
    if (v === null) { d += " "; continue; }
    const x = ((t - t0) / Math.max(1, t1 - t0)) * w;
    const y = h - 4 - ((v - lo) / Math.max(1e-9, hi - lo)) * (h - 8);
    d += `${d.endsWith(" ") || !d ? "M" : "L"}${x.toFixed(1)},${y.toFixed(1)}`;
  }
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", d.trim());
  path.setAttribute("fill", "none");
  path.setAttribute("stroke", color);
  path.setAttribute("stroke-width", "1.5");
  path.setAttribute("vector-effect", "non-scaling-stroke");
  svg.append(path);
}

function chart(svg, samples, columns, colors) {
  svg.replaceChildren();
  if (!samples.length) return;
  const t0 = samples[0][0], t1 = samples[samples.length - 1][0];
  const values = samples.flatMap((row) => columns.map((c) => row[c])).filter((v) => v !== null);
  if (!values.length) return;
  const lo = Math.min(...values), hi = Math.max(...values);
  columns.forEach((c, i) => polyline(svg, samples.map((r) => [r[0], r[c]]), colors[i], lo, hi, t0, t1));
}

async function loadHistory() {
  const span = $("span").value;
  const history = await getJson(`/api/history?span=${span}`, false);
  if (history.status !== 200) { $("chart-note").textContent = "no history on this heater"; return; }
  const { fields, samples } = history.body;
  const col = (name) => fields.indexOf(name) + 1;
  chart($("chart-temp"), samples, [col("room_c"), col("target_c")], ["#c0392b", "#888"]);
  chart($("chart-power"), samples, [col("power_w")], ["#d35400"]);
  $("chart-note").textContent = samples.length
    ? `${samples.length} samples, ${new Date(samples[0][0] * 1000).toLocaleString()} – ` +
      `${new Date(samples[samples.length - 1][0] * 1000).toLocaleString()} (room red, target grey)`
    : "no samples yet";
}

function step(delta) {
  if (!current) return;
  const target = Math.round((current.settings.target_c + delta) * 2) / 2;
  write("PATCH", "/api/heater", { target_c: target });
}

function wire() {
  $("login").addEventListener("submit", async (event) => {
    event.preventDefault();
    const typed = $("token").value.trim();
    if (!typed) return;
    sessionStorage.setItem(AUTH_KEY, typed.includes(":") ? `Basic ${btoa(typed)}` : `Bearer ${typed}`);
    $("token").value = "";
    showSignedIn();
    say("Signed in.");
    await loadOwnerCards();
  });
  $("logout").addEventListener("click", signOut);
  $("up").addEventListener("click", () => step(0.5));
  $("down").addEventListener("click", () => step(-0.5));
  $("mode").addEventListener("change", () => write("PATCH", "/api/heater", { mode: $("mode").value }));
  $("span").addEventListener("change", loadHistory);
  $("update-form").addEventListener("submit", uploadFirmware);
  $("update-reboot").addEventListener("click", restartIntoUpdate);
  $("name-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (await write("PATCH", "/api/system", { hostname: $("hostname").value })) loadFacts();
  });
  $("pool-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const body = { stratumURL: $("pool-url").value, stratumUser: $("pool-user").value };
    if ($("pool-pass").value) body.stratumPassword = $("pool-pass").value;
    write("PATCH", "/api/system", body);
  });
  $("price").value = localStorage.getItem(PRICE_KEY) || "";
  $("price-form").addEventListener("submit", (event) => {
    event.preventDefault();
    localStorage.setItem(PRICE_KEY, $("price").value);
    say("Price kept in this browser.");
    if (current) render();
  });
}

async function main() {
  wire();
  showSignedIn();
  await refresh();
  await Promise.allSettled([loadFacts(), loadHistory(), loadOwnerCards()]);
  setInterval(refresh, POLL_MS);
  setInterval(loadHistory, 60000);
}

main();
