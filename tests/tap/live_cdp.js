// live_cdp.js — drives headless Chromium through the DevTools protocol
// (raw CDP over Node's `ws` module: no Playwright, nothing downloaded) for
// test_live.sh. Every wait is a poll with a deadline, never a fixed sleep.
//
//   node live_cdp.js watch DEVTOOLS_URL PAGE_URL SHOT.png CURL_URL COUNT
//       open PAGE_URL in a new tab; wait until its feed is open and lists
//       the page's own connection; run curl COUNT times against CURL_URL;
//       wait until the page shows each of those connections CLOSED; save a
//       screenshot; print what the page shows.
//   node live_cdp.js reconnect DEVTOOLS_URL PAGE_URL SELF_KEY
//       in the tab already open at PAGE_URL: wait until the page has
//       reconnected (a new session: its own connection has another key).
//
// Output, one fact a line, for the shell to check:
//   self conn=N state=S path=P | self-key K | curl port=N code=C |
//   conn port=N state=S path=P | ladder port=N flags=F1;F2;... |
//   own-segments N | events N | page-errors N
// Exit status 0 when every wait succeeded, 1 otherwise (what was seen is
// printed either way).
"use strict";
const WebSocket = require("ws");
const fs = require("fs");
const {execFileSync} = require("child_process");

const POLL_MS = 100;
const WAIT_MS = 30000;

const [mode, devtoolsUrl, pageUrl, ...rest] = process.argv.slice(2);

let nextId = 1;
const pending = new Map();
const pageErrors = []; // exceptions the page threw, console.error calls
const browser = new WebSocket(devtoolsUrl, {perMessageDeflate: false});

browser.on("message", (data) => {
	const msg = JSON.parse(data);
	if (msg.method === "Runtime.exceptionThrown")
		pageErrors.push(msg.params.exceptionDetails.text + " " +
			JSON.stringify(msg.params.exceptionDetails.exception || {}));
	if (msg.method === "Runtime.consoleAPICalled" && msg.params.type === "error")
		pageErrors.push(msg.params.args.map((a) => a.value).join(" "));
	if (msg.id && pending.has(msg.id)) {
		const {resolve, reject} = pending.get(msg.id);
		pending.delete(msg.id);
		if (msg.error)
			reject(new Error(JSON.stringify(msg.error)));
		else
			resolve(msg.result);
	}
});

function send(method, params = {}, sessionId = undefined) {
	const id = nextId++;
	const msg = {id, method, params};
	if (sessionId)
		msg.sessionId = sessionId;
	browser.send(JSON.stringify(msg));
	return new Promise((resolve, reject) => pending.set(id, {resolve, reject}));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function evaluate(session, expression) {
	const r = await send("Runtime.evaluate", {expression, returnByValue: true, awaitPromise: true},
		session);
	if (r.exceptionDetails)
		throw new Error("page: " + JSON.stringify(r.exceptionDetails));
	return r.result.value;
}

// Poll `expression` in the page until it is truthy; returns it, or null at
// the deadline. While the page is still loading the expression may throw
// (no body yet, the old document going away): that counts as "not yet".
async function waitFor(session, expression, what) {
	const deadline = Date.now() + WAIT_MS;
	let last = "";
	while (Date.now() < deadline) {
		try {
			const v = await evaluate(session, expression);
			if (v)
				return v;
		} catch (e) {
			last = " (last: " + e.message.slice(0, 200) + ")";
		}
		await sleep(POLL_MS);
	}
	console.log("# timed out waiting for " + what + last);
	return null;
}

// What the page shows: its own row, every row of the list, the ladder by port.
const SNAPSHOT = `(() => {
	const rows = Array.from(document.querySelectorAll("#conns tbody tr")).map((tr) => ({
		conn: tr.dataset.conn, port: tr.dataset.remotePort, state: tr.dataset.state,
		path: tr.dataset.path, self: tr.dataset.self === "true"}));
	const self = rows.find((r) => r.self) || null;
	const ladder = {};
	document.querySelectorAll("#ladder li.seg").forEach((li) => {
		(ladder[li.dataset.remotePort] = ladder[li.dataset.remotePort] || []).push(
			li.dataset.dir + ":" + li.dataset.flags);
	});
	const own = self ? document.querySelectorAll('#ladder li.seg[data-key="' +
		document.querySelector('#conns tr[data-self="true"]').dataset.key + '"]').length : -1;
	return {feed: document.body.dataset.feed, events: Number(document.body.dataset.events || 0),
		rows, self, ladder, own,
		closedNotes: document.querySelectorAll("#ladder li.gap").length};
})()`;

async function attach(url, create) {
	let targetId;
	if (create) {
		targetId = (await send("Target.createTarget", {url: "about:blank"})).targetId;
	} else {
		const {targetInfos} = await send("Target.getTargets");
		const t = targetInfos.find((i) => i.type === "page" && i.url.startsWith(url));
		if (!t)
			throw new Error("no tab at " + url);
		targetId = t.targetId;
	}
	const {sessionId} = await send("Target.attachToTarget", {targetId, flatten: true});
	await send("Runtime.enable", {}, sessionId);
	return sessionId;
}

async function watch([shot, curlUrl, count]) {
	const s = await attach(pageUrl, true);
	let ok = true;

	await send("Page.enable", {}, s);
	await send("Emulation.setDeviceMetricsOverride",
		{width: 1500, height: 980, deviceScaleFactor: 1, mobile: false}, s);
	await send("Page.navigate", {url: pageUrl}, s);
	const self = await waitFor(s, `(() => {
		const tr = document.querySelector('#conns tr[data-self="true"]');
		return location.href === ${JSON.stringify(pageUrl)} && document.body &&
			document.body.dataset.feed === "open" && tr && tr.dataset.state === "ESTABLISHED" &&
			{key: tr.dataset.key, conn: tr.dataset.conn, state: tr.dataset.state, path: tr.dataset.path};
	})()`, "the feed and the page's own connection");
	if (!self)
		ok = false;

	const ports = [];
	for (let i = 0; ok && i < Number(count); i++) {
		const out = execFileSync("curl", ["-s", "-o", "/dev/null", "--max-time", "10",
			"-w", "%{local_port} %{http_code}", curlUrl]).toString().trim().split(" ");
		console.log(`curl port=${out[0]} code=${out[1]}`);
		ports.push(out[0]);
	}
	const list = JSON.stringify(ports);
	if (ok && !(await waitFor(s, `${list}.every((p) => {
		const tr = document.querySelector('#conns tr[data-remote-port="' + p + '"]');
		return tr && tr.dataset.state === "CLOSED";
	})`, "every curl connection CLOSED on the page")))
		ok = false;
	// Let the last render land before the picture (the page draws at most
	// every 50 ms); this only makes the picture current, no check waits on it.
	await evaluate(s, `new Promise((r) => setTimeout(() => r(true), 150))`);
	const shotData = await send("Page.captureScreenshot", {format: "png"}, s);
	fs.writeFileSync(shot, Buffer.from(shotData.data, "base64"));

	const snap = await evaluate(s, SNAPSHOT);
	if (snap.self)
		console.log(`self conn=${snap.self.conn} state=${snap.self.state} path=${snap.self.path.replace(/ /g, ">")}`);
	if (self)
		console.log(`self-key ${self.key}`);
	for (const p of ports) {
		const r = snap.rows.find((row) => row.port === p);
		if (r)
			console.log(`conn port=${p} state=${r.state} path=${r.path.replace(/ /g, ">")}`);
		console.log(`ladder port=${p} flags=${(snap.ladder[p] || []).join(";")}`);
	}
	console.log(`own-segments ${snap.own}`);
	console.log(`events ${snap.events}`);
	pageErrors.forEach((e) => console.log("# page error: " + e));
	console.log(`page-errors ${pageErrors.length}`);
	return ok;
}

async function reconnect([oldKey]) {
	const s = await attach(pageUrl, false);
	const now = await waitFor(s, `(() => {
		const tr = document.querySelector('#conns tr[data-self="true"]');
		return document.body && document.body.dataset.feed === "open" && tr &&
			tr.dataset.key !== ${JSON.stringify(oldKey)} &&
			tr.dataset.state === "ESTABLISHED" && tr.dataset.key;
	})()`, "the page to reconnect");
	const snap = await evaluate(s, SNAPSHOT);
	console.log(`reconnected key=${now} feed=${snap.feed} closed-notes=${snap.closedNotes}`);
	return Boolean(now);
}

browser.on("open", async () => {
	let ok = false;
	try {
		ok = mode === "watch" ? await watch(rest) : await reconnect(rest);
	} catch (e) {
		console.log("# error: " + e.message);
	}
	browser.close();
	process.exit(ok ? 0 : 1);
});
browser.on("error", (e) => {
	console.log("# cannot reach Chromium: " + e.message);
	process.exit(1);
});
