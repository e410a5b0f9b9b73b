/*
 * live.js — the live view of tapir-httpd. A WebSocket to /ws/trace brings
 * the stack's trace events as they happen; stack/ws/trace_feed.c (and
 * tapir/ws.h) say what each message holds:
 *
 *   {"feed":"hello", "you": N, "connections": [...]}  every live connection
 *                                                     and its path so far
 *   {"feed":"events", "events": [...]}                trace events, in order
 *   {"feed":"gap", "missed": N}                       events this page missed
 *
 * From them this page keeps each connection's state and path, and shows
 * three things: the state diagram (diagram.js) with the live connections'
 * states, the list of connections, and a ladder of segments. This page's own
 * connection is in the list too ("this page"): its states are sent, its
 * segments are not (they are the feed itself; sending them would make more).
 *
 * Connection numbers are the server's and start again at 1 when it
 * restarts, so each hello begins a new session and connections are kept
 * under "session:number"; the hello says which of the old ones still live.
 *
 * The DOM carries data attributes for tests and for the curious:
 * body[data-feed] is "connecting", "open" or "closed"; each row of the list
 * has data-conn, data-remote-port, data-state, data-path (the states, space
 * separated) and data-self; each ladder row has data-conn, data-remote-port,
 * data-dir and data-flags.
 */
"use strict";

(function () {
	var LADDER_MAX = 400; /* rows kept in the ladder */
	var CLOSED_MAX = 40;  /* closed connections kept in the list */
	var RETRY_MAX_S = 10; /* longest wait before connecting again */

	var diagram = null;
	var conns = new Map(); /* "session:id" -> connection */
	var session = 0;       /* hellos so far */
	var you = null;        /* key of this page's own connection */
	var pinned = null;     /* key of the connection clicked in the list */
	var latest = null;     /* key of the connection that changed state last */
	var t0 = null;         /* time_us of the first hello: times are shown from here */
	var stats = {events: 0, missed: 0, messages: 0};
	var paused = false;
	var renderDue = false;
	var retryS = 1;

	var $ = function (id) { return document.getElementById(id); };

	/* ---- connections ------------------------------------------------------ */

	function colour(id) {
		return "hsl(" + ((id * 67) % 360) + ", 62%, 40%)";
	}

	function endpoint(ip, port) {
		return ip + ":" + port;
	}

	function key(id) {
		return session + ":" + id;
	}

	/* The connection an event names, created on first sight. */
	function connOf(ev) {
		var c = conns.get(key(ev.conn));
		if (!c) {
			c = {key: key(ev.conn), id: ev.conn, path: [], state: null, closed: false, closedAt: 0};
			conns.set(c.key, c);
		}
		c.localIp = ev.local_ip;
		c.localPort = ev.local_port;
		c.remoteIp = ev.remote_ip;
		c.remotePort = ev.remote_port;
		return c;
	}

	/* Keep the list short: forget the oldest closed connections. */
	function forgetOldClosed() {
		var closed = [];
		conns.forEach(function (c) { if (c.closed) closed.push(c); });
		closed.sort(function (a, b) { return a.closedAt - b.closedAt; });
		while (closed.length > CLOSED_MAX) {
			var c = closed.shift();
			conns.delete(c.key);
			if (pinned === c.key)
				pinned = null;
		}
	}

	function shownId() {
		return pinned !== null ? pinned : latest;
	}

	/* ---- the feed's messages ------------------------------------------------- */

	function onHello(msg) {
		var live = new Set(msg.connections.map(function (c) { return c.conn; }));

		if (t0 === null)
			t0 = msg.time_us;
		/* What we knew from before: the hello's own list replaces it, and
		 * the others ended while we were away (kept, as closed). */
		conns.forEach(function (c) {
			if (live.has(c.id)) {
				conns.delete(c.key);
			} else if (!c.closed) {
				c.closed = true;
				c.closedAt = msg.time_us;
			}
		});
		session++;
		you = key(msg.you);
		msg.connections.forEach(function (h) {
			var c = connOf(h);
			c.path = h.path.slice();
			c.state = h.state;
			latest = c.key;
		});
		ladderNote("note", "connected: " + msg.connections.length + " live connection" +
			(msg.connections.length === 1 ? "" : "s") + " (this page is #" + msg.you + ")");
		setStatus("open", "live: events arrive as they happen");
	}

	function onState(ev) {
		var c = connOf(ev);
		if (c.path.length === 0)
			c.path.push(ev.from);
		if (c.path[c.path.length - 1] === ev.to)
			return; /* already in the hello */
		c.path.push(ev.to);
		c.state = ev.to;
		if (ev.to === "CLOSED") {
			c.closed = true;
			c.closedAt = ev.time_us;
		}
		latest = c.key;
		if (diagram)
			diagram.flash(ev.from, ev.to);
		ladderNote("state", "#" + c.id + " " + ev.from + " \u2192 " + ev.to + "  (" + ev.cause + ")", c.id);
	}

	function onEvent(ev) {
		stats.events++;
		switch (ev.event) {
		case "tcp-state":
			onState(ev);
			break;
		case "tcp-segment":
			ladderSegment(ev);
			break;
		case "tcp-timer":
			ladderNote("note", "#" + ev.conn + " " + ev.timer + " timer expired", ev.conn);
			break;
		case "http":
			if (ev.what === "response" && ev.side === "server")
				ladderNote("note", "#" + ev.conn + " HTTP " + ev.method + " " + ev.target +
					" \u2192 " + ev.status, ev.conn);
			break;
		case "ws":
			if (ev.what === "state")
				ladderNote("note", "#" + ev.conn + " WebSocket " + ev.path + ": " + ev.from +
					" \u2192 " + ev.to, ev.conn);
			break;
		case "drop":
			ladderNote("drop", "dropped (" + ev.layer + " " + ev.reason + ")" +
				(ev.detail ? ": " + ev.detail : ""));
			break;
		default:
			break; /* arp, cwnd, dns ...: not drawn here */
		}
	}

	function onMessage(msg) {
		stats.messages++;
		if (msg.feed === "hello")
			onHello(msg);
		else if (msg.feed === "events")
			msg.events.forEach(onEvent);
		else if (msg.feed === "gap") {
			stats.missed += msg.missed;
			ladderNote("gap", "\u26A0 " + msg.missed + " events missed here: the server's queue " +
				"was full or this page read too slowly");
		}
		forgetOldClosed();
		scheduleRender();
	}

	/* ---- the WebSocket, connected again whenever it closes ----------------------- */

	function setStatus(feed, text) {
		document.body.setAttribute("data-feed", feed);
		$("status").textContent = text;
	}

	function connect() {
		var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/trace";
		var ws = new WebSocket(url);

		setStatus("connecting", "connecting to " + url + "\u2026");
		ws.onmessage = function (m) {
			retryS = 1;
			onMessage(JSON.parse(m.data));
		};
		ws.onclose = function (e) {
			setStatus("closed", "disconnected (" + e.code + "); trying again in " + retryS + " s");
			ladderNote("gap", "\u26A0 the feed closed (code " + e.code + ")");
			setTimeout(connect, retryS * 1000);
			retryS = Math.min(retryS * 2, RETRY_MAX_S);
			scheduleRender();
		};
	}

	/* ---- the ladder ------------------------------------------------------------------ */

	function seconds(timeUs) {
		return t0 === null ? "" : "+" + ((timeUs - t0) / 1e6).toFixed(3);
	}

	function span(cls, text, parent) {
		var s = document.createElement("span");
		s.className = cls;
		s.textContent = text;
		parent.appendChild(s);
		return s;
	}

	/* Relative sequence numbers, as Wireshark shows them: from the ISN of
	 * the side that sent them (0 when the ISN is not known yet). */
	function relative(value, isn) {
		return isn ? (value - isn) >>> 0 : value;
	}

	function flagClass(flags) {
		if (flags.indexOf("RST") >= 0)
			return "rst";
		if (flags.indexOf("SYN") >= 0)
			return "syn";
		if (flags.indexOf("FIN") >= 0)
			return "fin";
		return flags.indexOf("PSH") >= 0 ? "data" : "";
	}

	/* Add a row about connection `id` (undefined: about none). */
	function ladderAppend(li, id) {
		var ladder = $("ladder"), atEnd = ladder.scrollTop + ladder.clientHeight >= ladder.scrollHeight - 30;
		var empty = ladder.querySelector(".empty");
		if (empty)
			empty.remove();
		if (id !== undefined) {
			li.setAttribute("data-conn", id);
			li.setAttribute("data-key", key(id));
			li.style.setProperty("--c", colour(id));
		}
		li.hidden = $("only-shown").checked && (id === undefined || key(id) !== shownId());
		ladder.appendChild(li);
		while (ladder.children.length > LADDER_MAX)
			ladder.removeChild(ladder.firstChild);
		if (atEnd && !paused)
			ladder.scrollTop = ladder.scrollHeight;
	}

	function ladderNote(kind, text, id) {
		var li = document.createElement("li");
		li.className = "note " + kind;
		li.textContent = text;
		ladderAppend(li, id);
	}

	function ladderSegment(ev) {
		var li = document.createElement("li");
		var into = ev.dir === "in";
		var seq = relative(ev.seq, into ? ev.isn_remote : ev.isn_local);
		var ack = relative(ev.ack, into ? ev.isn_local : ev.isn_remote);

		li.className = "seg " + ev.dir;
		li.setAttribute("data-dir", ev.dir);
		li.setAttribute("data-flags", ev.flags);
		li.setAttribute("data-remote-port", ev.remote_port);
		span("t", seconds(ev.time_us), li);
		var chip = span("id-chip", "#" + ev.conn, li);
		chip.style.setProperty("--c", colour(ev.conn));
		span("end", endpoint(ev.remote_ip, ev.remote_port), li);
		var arrow = span("arrow", "", li);
		span("flags " + flagClass(ev.flags), ev.flags, arrow);
		arrow.appendChild(document.createTextNode(" seq=" + seq +
			(ev.flags.indexOf("ACK") >= 0 ? " ack=" + ack : "") + " win=" + ev.window + " len=" + ev.len));
		if (ev.options)
			span("opts", " <" + ev.options + ">", arrow);
		if (ev.retransmission)
			span("rexmit", " retransmission", arrow);
		arrow.title = (into ? "received" : "sent") + ": seq " + ev.seq + ", ack " + ev.ack +
			" (absolute)";
		span("end tapir-end", ":" + ev.local_port, li);
		span("st", ev.state || "", li);
		ladderAppend(li, ev.conn);
	}

	/* ---- drawing (at most once per 50 ms) ----------------------------------------------- */

	function scheduleRender() {
		if (renderDue)
			return;
		renderDue = true;
		setTimeout(render, 50);
	}

	function sortedConns() {
		var list = Array.from(conns.values());
		list.sort(function (a, b) {
			if (a.closed !== b.closed)
				return a.closed ? 1 : -1;
			return a.closed ? b.closedAt - a.closedAt : b.id - a.id;
		});
		return list;
	}

	function renderList() {
		var tbody = $("conns").tBodies[0], shown = shownId();
		tbody.textContent = "";
		sortedConns().forEach(function (c) {
			var tr = tbody.insertRow();
			tr.setAttribute("data-conn", c.id);
			tr.setAttribute("data-key", c.key);
			tr.setAttribute("data-remote-port", c.remotePort);
			tr.setAttribute("data-local-port", c.localPort);
			tr.setAttribute("data-state", c.state || "");
			tr.setAttribute("data-path", c.path.join(" "));
			tr.setAttribute("data-self", c.key === you ? "true" : "false");
			tr.className = (c.closed ? "closed" : "live") + (c.key === shown ? " shown" : "");
			var chip = span("id-chip", String(c.id), tr.insertCell());
			chip.style.setProperty("--c", colour(c.id));
			var peer = tr.insertCell();
			peer.textContent = endpoint(c.remoteIp, c.remotePort);
			if (c.key === you)
				span("tag", "this page", peer);
			tr.insertCell().textContent = ":" + c.localPort;
			span("state-chip", c.state || "?", tr.insertCell());
			var path = tr.insertCell();
			path.className = "path";
			path.textContent = c.path.join(" \u2192 ");
			tr.onclick = function () {
				pinned = pinned === c.key ? null : c.key;
				scheduleRender();
			};
		});
	}

	function renderDiagram() {
		var counts = {}, shown = conns.get(shownId());
		conns.forEach(function (c) {
			if (!c.closed && c.state)
				counts[c.state] = (counts[c.state] || 0) + 1;
		});
		diagram.setCounts(counts);
		diagram.showPath(shown ? shown.path : null, shown ? colour(shown.id) : "");
		$("showing").textContent = shown ?
			"Path of #" + shown.id + " (" + endpoint(shown.remoteIp, shown.remotePort) + " \u2192 :" +
			shown.localPort + (shown.key === you ? ", this page" : "") + "), " +
			(pinned !== null ? "picked in the list." : "the latest to change state.") : "";
	}

	function renderLadderFilter() {
		var only = $("only-shown").checked, shown = shownId();
		Array.prototype.forEach.call($("ladder").children, function (li) {
			li.hidden = only && li.getAttribute("data-key") !== shown;
		});
	}

	function render() {
		renderDue = false;
		renderList();
		if (diagram)
			renderDiagram();
		$("follow").hidden = pinned === null;
		$("counters").textContent = stats.events + " events in " + stats.messages + " messages" +
			(stats.missed ? ", " + stats.missed + " missed" : "");
		document.body.setAttribute("data-events", stats.events);
	}

	/* ---- start -------------------------------------------------------------------------- */

	$("follow").onclick = function () {
		pinned = null;
		scheduleRender();
	};
	$("only-shown").onchange = renderLadderFilter;
	$("pause").onclick = function () {
		paused = !paused;
		this.textContent = paused ? "scroll with new rows" : "hold scrolling";
		if (!paused)
			$("ladder").scrollTop = $("ladder").scrollHeight;
	};

	fetch("fsm.json")
		.then(function (r) {
			if (!r.ok)
				throw new Error("fsm.json: " + r.status);
			return r.json();
		})
		.then(function (table) {
			diagram = TapirDiagram.create($("diagram"), table);
			scheduleRender();
		})
		.catch(function (e) {
			$("showing").textContent = "The state table could not be loaded (" + e.message + ").";
		})
		.finally(connect);
})();
