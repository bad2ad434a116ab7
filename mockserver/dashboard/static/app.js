// The rental page: a client of rent.php and of the mock's /_mock/ control API, nothing else.
"use strict";
const S = { apikey: "", token: "", lang: "en", orders: [], providers: {}, offers: [], skip: 0, take: 10,
            sms: null, showOther: false, restoreId: null, timer: null };
const $ = (sel) => document.querySelector(sel);
const t = (key, vars = {}) => (TEXTS[S.lang][key] ?? TEXTS.en[key] ?? key).replace(/\{(\w+)\}/g, (_, k) => vars[k]);
// JavaScript dates end at 8.64e15 ms (year 275760); a mock clock can pass that, so show the Unix time there.
const inRange = (unix) => Math.abs(unix) <= 8.64e12;
const fmt = (unix) => (!unix ? "—" : inRange(unix) ? new Date(unix * 1000).toLocaleString() : t("unix_time", { n: unix }));
const iso = (unix) => (inRange(unix) ? new Date(unix * 1000).toISOString() : null);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v === true) node.setAttribute(k, "");
    else if (v !== false && v != null) node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}

async function rent(method, params = {}) {
  const query = new URLSearchParams({ method, apikey: S.apikey, ...params });
  const r = await fetch(`/api/rent.php?${query}`);
  return r.json();
}

async function control(verb, path, body) {
  const headers = { "content-type": "application/json" };
  if (S.token) headers["X-Mock-Token"] = S.token;
  const r = await fetch(`/_mock${path}`, { method: verb, headers, body: body ? JSON.stringify(body) : undefined });
  const data = await r.json();
  if (!r.ok) throw new Error(data.error || r.statusText);
  return data;
}

function applyLang() {
  document.documentElement.lang = S.lang;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  $("#lang-en").setAttribute("aria-pressed", String(S.lang === "en"));
  $("#lang-tr").setAttribute("aria-pressed", String(S.lang === "tr"));
  $("#other-toggle").textContent = t(S.showOther ? "hide" : "show");
  renderOrders();
  renderArchive();
}

// ---- orders ----
async function loadOrders() {
  const body = await rent("orders");
  if (body.status !== 1) throw new Error(body.msg);
  S.orders = body.data;
  try {
    const extra = await control("GET", `/orders?apikey=${encodeURIComponent(S.apikey)}`);
    S.providers = Object.fromEntries(extra.orders.map((o) => [o.id, o.provider]));
  } catch (e) { S.providers = {}; }
  renderOrders();
  $("#status-line").textContent = t("updated", { time: new Date().toLocaleTimeString() });
}

// One written form in every view and dialect: "+" and the whole number (live writes ccode "" with the whole number
// in pnumber, documented and sdk "+7" and the rest; history writes the whole number without "+").
function phone(item) {
  return `+${String(item.ccode || "").replace(/^\+/, "")}${item.pnumber ?? item.number}`;
}

function renderOrders() {
  const tbody = $("#orders tbody");
  tbody.replaceChildren();
  if (!S.orders.length) tbody.append(el("tr", {}, el("td", { colspan: 5, text: t("no_records") })));
  for (const o of S.orders) {
    const number = el("td", {}, phone(o) + (S.providers[o.id] ? ` (${S.providers[o.id]})` : ""));
    if (o.state === -1) {
      number.append(" ", el("abbr", { class: "warn", title: t("needs_replacement_help"), text: t("needs_replacement") }));
    }
    const prolong = el("button", { type: "button", disabled: !o.canprolong, title: t("prolong_rule"),
                                   onclick: () => act("prolong", { id: o.id, dtype: "week", dcount: 1 }) }, t("prolong"));
    tbody.append(el("tr", { "data-order": o.id },
      el("td", { class: `state s${o.state}`, text: t(`state_${o.state}`) }), number,
      el("td", { text: o.sname }), el("td", {}, el("time", { datetime: iso(o.until), text: fmt(o.until) })),
      el("td", {},
        el("button", { type: "button", onclick: () => act("activate", { id: o.id }) }, t("activate")), " ",
        el("button", { type: "button", onclick: () => openSms(o) }, t("sms") + (o.hasnewsms ? " •" : "")), " ",
        prolong, " ",
        el("button", { type: "button", onclick: () => confirm(t("confirm_delete")) && act("delete", { id: o.id }) }, t("delete")))));
  }
  for (const id of ["#sms-order", "#state-order"]) {
    const select = $(id);
    const keep = select.value;
    select.replaceChildren(...S.orders.map((o) => el("option", { value: o.id, text: `${o.id} · ${phone(o)} · ${o.sname}` })));
    if (keep) select.value = keep;
  }
}

async function act(method, params) {
  const body = await rent(method, params);
  $("#status-line").textContent = body.status === 1 ? `${method}: OK` : `${method}: ${body.msg}`;
  await refresh();
}

// ---- SMS ----
async function openSms(order) {
  S.sms = order;
  $("#sms-panel").hidden = false;
  $("#sms-number").textContent = phone(order);
  await loadSms();
  $("#sms-refresh").focus();
}

async function loadSms() {
  if (!S.sms) return;
  const body = await rent("sms", { id: S.sms.id });
  const own = body.status === 1 ? (Array.isArray(body.data) ? body.data : body.data.SmsList) : [];
  let other = body.status === 1 && !Array.isArray(body.data) ? body.data.OtherSms : null;
  if (other === null) {
    try { other = (await control("GET", `/orders/${S.sms.id}/sms`)).other; } catch (e) { other = []; }
  }
  fill("#sms-own tbody", own, (s) => [fmt(s.date), s.sender, s.text]);
  fill("#sms-other tbody", other, (s) => [fmt(s.date), s.sender, s.service || "", s.text]);
}

function fill(selector, rows, cells) {
  const tbody = $(selector);
  const width = tbody.closest("table").querySelectorAll("thead th").length;
  tbody.replaceChildren(...(rows.length ? rows.map((r) => el("tr", {}, ...cells(r).map((c) => el("td", { text: c }))))
                                        : [el("tr", {}, el("td", { colspan: width, text: t("no_sms") }))]));
}

// ---- renting ----
async function loadCountries() {
  const body = await rent("getcountries");
  $("#country").replaceChildren(...body.data.map((c) => el("option", { value: c.code, text: `${c.name} (${c.code})` })));
  await loadOffers();
}

async function loadOffers() {
  const body = await rent("getdataWithProviders", { country: $("#country").value });
  S.offers = body.status === 1 ? body.data.services : [];
  $("#services tbody").replaceChildren(...S.offers.map((s, i) => el("tr", {},
    el("td", {}, el("input", { type: "checkbox", id: `svc-${i}`, value: s.service, "aria-label": s.name, onchange: preview })),
    el("th", { scope: "row" }, el("label", { for: `svc-${i}`, text: `${s.name} (${s.service})` })),
    el("td", { text: String(s.price_day) }),
    el("td", { text: Object.entries(s.count).map(([p, n]) => `${p}: ${n}`).join(", ") }))));
  const providers = body.status === 1 ? body.data.allOperators : [];
  $("#provider").replaceChildren(el("option", { value: "", text: t("any") }), ...providers.map((p) => el("option", { value: p, text: p })));
  await preview();
}

function picked() {
  return [...document.querySelectorAll("#services input:checked")].map((i) => i.value);
}

async function preview() {
  const services = picked();
  if (!services.length) { $("#price").textContent = "—"; return; }
  let total = 0;
  for (const service of services) {
    const body = await rent("get_country_by_service", { service, dtype: $("#dtype").value, dcount: $("#dcount").value });
    const entry = body.status === 1 ? body.data[$("#country").value] : null;
    if (!entry) { $("#price").textContent = "—"; return; }
    total += Number(entry.price);
  }
  $("#price").textContent = total.toFixed(2);
}

async function rentNumber(event) {
  event.preventDefault();
  const services = picked();
  if (!services.length) { $("#rent-result").textContent = t("services"); return; }
  const params = { dtype: $("#dtype").value, dcount: $("#dcount").value, country: $("#country").value };
  if ($("#provider").value) params.provider = $("#provider").value;
  const body = services.length === 1 ? await rent("create", { ...params, service: services[0] })
                                     : await rent("create_multi", { ...params, services: services.join(",") });
  if (body.status === 1) {
    const items = Array.isArray(body.data) ? body.data : [body.data];
    $("#rent-result").textContent = t("rented", { numbers: items.map((d) => `${phone(d)} (${d.service})`).join(", ") });
  } else {
    $("#rent-result").textContent = body.msg;
  }
  await refresh();
  await loadOffers();
}

// ---- archive and restore ----
S.archive = [];
async function loadArchive() {
  const body = await rent("get_rent_history", { skip: S.skip, take: S.take });
  S.archive = body.status === 1 ? body.data : [];
  renderArchive();
}

function renderArchive() {
  const tbody = $("#archive tbody");
  if (!S.archive.length) {
    tbody.replaceChildren(el("tr", {}, el("td", { colspan: 5, text: t("no_records") })));
  } else {
    tbody.replaceChildren(...S.archive.map((h) => el("tr", { "data-order": h.orderId },
      el("td", { text: fmt(h.begin) }), el("td", { text: fmt(h.closed) }), el("td", { text: h.resourceCode }),
      el("td", { text: phone(h) }),
      el("td", {}, el("button", { type: "button", onclick: () => precalc(h.orderId) }, t("restore"))))));
  }
  $("#archive-page").textContent = `${t("page")} ${S.skip / S.take + 1}`;
  $("#archive-prev").disabled = S.skip === 0;
  $("#archive-next").disabled = S.archive.length < S.take;
}

function restoreError(msg) {
  const code = Object.keys(RESTORE_ERRORS).find((c) => msg.startsWith(c));
  return code ? `${code}: ${RESTORE_ERRORS[code]}` : msg;
}

async function precalc(id) {
  const body = await rent("restore_user_precalc", { id });
  if (body.status !== 1) {
    $("#restore-box").hidden = true;
    $("#archive-result").textContent = restoreError(body.msg);
    return;
  }
  S.restoreId = id;
  $("#restore-text").textContent = t("restore_offer", { price: body.data.price, outdays: body.data.outdays, prolong: body.data.prolongTo });
  $("#restore-box").hidden = false;
  $("#restore-confirm").focus();
}

async function confirmRestore() {
  const body = await rent("restore_user", { id: S.restoreId });
  $("#restore-box").hidden = true;
  $("#archive-result").textContent = body.status === 1 ? t("restored") : restoreError(body.msg);
  await refresh();
}

// ---- mock panel ----
async function loadPanel() {
  const key = encodeURIComponent(S.apikey);
  try {
    const clock = await control("GET", `/clock?apikey=${key}`);
    $("#clock").textContent = fmt(clock.now);
    if (iso(clock.now)) $("#clock").setAttribute("datetime", iso(clock.now));
    else $("#clock").removeAttribute("datetime");
    $("#balance").textContent = (await control("GET", `/accounts/${key}`)).balance;
    const faults = await control("GET", `/faults?apikey=${key}`);
    $("#fault-list").replaceChildren(...faults.faults.map((f) => el("li", { text: `#${f.id} ${f.method} ${f.kind} (${f.times ?? "∞"} left)` })));
    const journal = await control("GET", `/journal?apikey=${key}&limit=15`);
    // A request's findings get a full-width row of their own: the panel is too narrow for a fourth column.
    $("#journal tbody").replaceChildren(...journal.entries.reverse().flatMap((e) => [el("tr", {},
      el("td", { text: String(e.seq) }), el("td", { text: e.method || "" }), el("td", { text: String(e.status ?? e.http_status) })),
      ...(e.findings.length ? [el("tr", { class: "findings" }, el("td", { colspan: 3, text: e.findings.join("; ") }))] : [])]));
  } catch (e) {
    $("#status-line").textContent = e.message;
  }
}

async function advance(body) {
  await control("POST", "/clock", { apikey: S.apikey, ...body });
  await refresh();
}

async function refresh() {
  await loadOrders();
  await loadArchive();
  await loadSms();
  await loadPanel();
}

async function signIn(apikey) {
  S.apikey = apikey.trim();
  S.token = $("#token").value.trim();
  const body = await rent("orders");
  if (body.status !== 1) { $("#login-error").textContent = body.msg; return; }
  localStorage.setItem("rent-mock-apikey", S.apikey);
  $("#login").hidden = true;
  $("#app").hidden = false;
  await loadCountries();
  await refresh();
  clearInterval(S.timer);
  S.timer = setInterval(() => refresh().catch((e) => { $("#status-line").textContent = e.message; }), 30000);
}

function wire() {
  $("#lang-en").addEventListener("click", () => { S.lang = "en"; applyLang(); });
  $("#lang-tr").addEventListener("click", () => { S.lang = "tr"; applyLang(); });
  $("#login-form").addEventListener("submit", (e) => { e.preventDefault(); signIn($("#apikey").value); });
  $("#use-demo").addEventListener("click", async () => {
    S.token = $("#token").value.trim();
    try {
      const world = await control("GET", "/worlds/default");
      $("#apikey").value = Object.keys(world.accounts)[0];
      await signIn($("#apikey").value);
    } catch (e) { $("#login-error").textContent = e.message; }
  });
  $("#refresh").addEventListener("click", () => refresh());
  $("#sms-refresh").addEventListener("click", () => loadSms());
  $("#other-toggle").addEventListener("click", () => {
    S.showOther = !S.showOther;
    $("#sms-other").hidden = !S.showOther;
    $("#other-toggle").setAttribute("aria-expanded", String(S.showOther));
    $("#other-toggle").textContent = t(S.showOther ? "hide" : "show");
  });
  $("#country").addEventListener("change", () => loadOffers());
  $("#dtype").addEventListener("change", () => preview());
  $("#dcount").addEventListener("change", () => preview());
  $("#rent-form").addEventListener("submit", rentNumber);
  $("#archive-prev").addEventListener("click", () => { S.skip = Math.max(0, S.skip - S.take); loadArchive(); });
  $("#archive-next").addEventListener("click", () => { S.skip += S.take; loadArchive(); });
  $("#restore-confirm").addEventListener("click", confirmRestore);
  $("#restore-cancel").addEventListener("click", () => { $("#restore-box").hidden = true; });
  for (const button of document.querySelectorAll("[data-advance]")) {
    button.addEventListener("click", () => advance({ advance: Number(button.dataset.advance) }));
  }
  $("#set-form").addEventListener("submit", (e) => {
    e.preventDefault();
    advance({ set: Math.floor(new Date($("#set-time").value).getTime() / 1000) }).catch((err) => { $("#status-line").textContent = err.message; });
  });
  $("#sms-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const r = await control("POST", "/sms", { order: Number($("#sms-order").value), text: $("#sms-text").value, sender: $("#sms-sender").value });
    $("#sms-result").textContent = r.delivered ? t("delivered") : t("lost", { reason: r.reason });
    await refresh();
  });
  $("#take-offline").addEventListener("click", () => setState(-1));
  $("#bring-back").addEventListener("click", () => setState(0));
  $("#fault-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    await control("POST", "/faults", { apikey: S.apikey, method: $("#fault-method").value || "*", kind: $("#fault-kind").value, times: Number($("#fault-times").value) });
    await loadPanel();
  });
  $("#fault-clear").addEventListener("click", async () => { await control("DELETE", `/faults?apikey=${encodeURIComponent(S.apikey)}`); await loadPanel(); });
}

async function setState(state) {
  await control("POST", `/orders/${$("#state-order").value}/state`, { state });
  await refresh();
}

wire();
applyLang();
const saved = localStorage.getItem("rent-mock-apikey");
if (saved) $("#apikey").value = saved;
