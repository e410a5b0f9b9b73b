/*
 * diagram.js — the TCP state diagram of RFC 9293 (section 3.3.2, Figure 5),
 * drawn in SVG from /live/fsm.json: the table tapir's TCP code dispatches
 * every state change through (tapir_tcp_fsm_table() in stack/tcp/fsm.c).
 *
 * Only the positions of the boxes are written here, copied from the RFC's
 * figure. The states and the arrows come from the table, so a row added to
 * the code shows up without touching this file (a state the layout does not
 * know gets a box in an extra row at the bottom). As in the figure, CLOSED
 * appears twice: at the top, where connections begin, and at the bottom
 * right, where they end.
 *
 * The figure's own transitions are drawn as arrows with the RFC's words.
 * The many ways of giving up (rcv RST, ABORT, timeouts) that lead to CLOSED
 * from almost every state are a dotted stub on each box; hover it for the
 * list. When a connection takes one, its path is drawn to the bottom CLOSED.
 *
 * The page (live.js) calls: setCounts() with how many live connections are
 * in each state, showPath() with the selected connection's path, and
 * flash() for each transition as it happens.
 */
"use strict";

var TapirDiagram = (function () {
	var SVG_NS = "http://www.w3.org/2000/svg";
	var BOX_W = 118, BOX_H = 34;
	var COL_W = 142, ROW_H = 80, MARGIN_X = 72, MARGIN_Y = 30;
	var END = "CLOSED.end"; /* the bottom CLOSED */

	/* [column, row] of each box, as in the RFC's Figure 5. */
	var LAYOUT = {
		"CLOSED": [2, 0],
		"LISTEN": [2, 1],
		"SYN-RECEIVED": [0, 2],
		"SYN-SENT": [4, 2],
		"ESTABLISHED": [2, 3],
		"FIN-WAIT-1": [0, 4],
		"CLOSE-WAIT": [4, 4],
		"FIN-WAIT-2": [0, 5],
		"CLOSING": [2, 5],
		"LAST-ACK": [4, 5],
		"TIME-WAIT": [2, 6],
		"CLOSED.end": [4, 6]
	};

	/* The events the RFC's figure draws (stack/trace/graph_dot.c uses the
	 * same list); every other row is a way of giving up. */
	var FIGURE_EVENTS = ["passive OPEN", "active OPEN", "CLOSE", "rcv SYN", "rcv SYN,ACK",
		"rcv ACK of SYN", "rcv FIN", "rcv ACK of FIN", "timeout=2MSL"];

	function el(name, attrs, parent) {
		var e = document.createElementNS(SVG_NS, name);
		Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
		if (parent)
			parent.appendChild(e);
		return e;
	}

	function title(parent, text) {
		el("title", {}, parent).textContent = text;
	}

	/* The box an arrow from `from` to `to` ends at: CLOSED is the bottom
	 * box, except for the figure's two ways back to the top (CLOSE in
	 * LISTEN and in SYN-SENT). */
	function targetNode(from, to) {
		if (to !== "CLOSED")
			return to;
		return from === "LISTEN" || from === "SYN-SENT" ? "CLOSED" : END;
	}

	function Diagram(svg, table) {
		this.svg = svg;
		this.nodes = {};   /* node id -> {x, y, g, badge} */
		this.edges = {};   /* "from>to" (node ids) -> {path, group} */
		this.stubs = {};   /* state -> the give-up stub */
		this.giveUp = {};  /* state -> labels of its give-up rows */
		this.overlay = null;
		this.build(table.tcp.transitions);
	}

	Diagram.prototype.centre = function (id) {
		var n = this.nodes[id];
		return {x: n.x, y: n.y};
	};

	Diagram.prototype.build = function (rows) {
		var self = this, extra = 0, states = ["CLOSED"];

		rows.forEach(function (r) {
			[r.from, r.to].forEach(function (s) {
				if (states.indexOf(s) < 0)
					states.push(s);
			});
		});
		states.push(END);
		/* Unknown states: an extra row at the bottom. */
		states.forEach(function (s) {
			if (!LAYOUT[s])
				LAYOUT[s] = [extra++ % 5, 7 + Math.floor(extra / 5)];
		});
		var rowsUsed = Math.max.apply(null, states.map(function (s) { return LAYOUT[s][1]; }));
		this.svg.setAttribute("viewBox", "0 0 " + (2 * MARGIN_X + 4 * COL_W + 40) + " " +
			(2 * MARGIN_Y + rowsUsed * ROW_H + 8));
		var defs = el("defs", {}, this.svg);
		var marker = el("marker", {id: "arrow", viewBox: "0 0 10 10", refX: "9", refY: "5",
			markerWidth: "9", markerHeight: "9", markerUnits: "userSpaceOnUse",
			orient: "auto-start-reverse"}, defs);
		el("path", {d: "M0,0 L10,5 L0,10 z", "class": "arrowhead"}, marker);

		this.edgeLayer = el("g", {"class": "edges"}, this.svg);
		this.overlay = el("g", {"class": "overlay"}, this.svg);
		this.nodeLayer = el("g", {"class": "nodes"}, this.svg);
		states.forEach(function (s) { self.addNode(s); });

		/* Rows grouped by arrow; give-up rows by state. */
		var groups = {}, order = [];
		rows.forEach(function (r) {
			var figure = FIGURE_EVENTS.indexOf(r.event) >= 0;
			if (!figure && r.to === "CLOSED") {
				(self.giveUp[r.from] = self.giveUp[r.from] || []).push(r.label);
				return;
			}
			var key = r.from + ">" + targetNode(r.from, r.to);
			if (!groups[key]) {
				groups[key] = {from: r.from, to: targetNode(r.from, r.to), rows: [], figure: figure};
				order.push(key);
			}
			groups[key].rows.push(r);
		});
		order.forEach(function (key) { self.addEdge(key, groups[key]); });
		Object.keys(this.giveUp).forEach(function (s) { self.addStub(s); });
	};

	Diagram.prototype.addNode = function (id) {
		var pos = LAYOUT[id], x = MARGIN_X + pos[0] * COL_W, y = MARGIN_Y + pos[1] * ROW_H;
		var name = id === END ? "CLOSED" : id;
		var g = el("g", {"class": "state", "data-state": id, transform: "translate(" + x + "," + y + ")"},
			this.nodeLayer);
		title(g, id === END ? "CLOSED: where connections end" :
			id === "CLOSED" ? "CLOSED: where connections begin" : id);
		el("rect", {x: -BOX_W / 2, y: -BOX_H / 2, width: BOX_W, height: BOX_H, rx: 9}, g);
		el("text", {"class": "name", y: 5}, g).textContent = name;
		var badge = el("g", {"class": "badge", transform: "translate(" + (BOX_W / 2 - 4) + "," + (-BOX_H / 2 + 2) + ")"}, g);
		el("circle", {r: 11}, badge);
		el("text", {y: 4}, badge);
		this.nodes[id] = {x: x, y: y, g: g, badge: badge};
	};

	/* Does the curve p0 -> c -> p1 cross any box other than its ends? */
	Diagram.prototype.crosses = function (p0, c, p1, a, b) {
		var self = this;
		return Object.keys(this.nodes).some(function (id) {
			if (id === a || id === b)
				return false;
			var n = self.nodes[id];
			for (var t = 0.05; t < 1; t += 0.05) {
				var x = (1 - t) * (1 - t) * p0.x + 2 * (1 - t) * t * c.x + t * t * p1.x;
				var y = (1 - t) * (1 - t) * p0.y + 2 * (1 - t) * t * c.y + t * t * p1.y;
				if (Math.abs(x - n.x) < BOX_W / 2 + 6 && Math.abs(y - n.y) < BOX_H / 2 + 6)
					return true;
			}
			return false;
		});
	};

	/* Where the line from a box's centre towards `to` leaves the box. */
	function boxExit(c, to) {
		var dx = to.x - c.x, dy = to.y - c.y;
		var t = Math.min(dx ? (BOX_W / 2) / Math.abs(dx) : Infinity, dy ? (BOX_H / 2) / Math.abs(dy) : Infinity);
		return {x: c.x + dx * t, y: c.y + dy * t};
	}

	/* A quadratic curve from box a to box b, bent to miss the other boxes
	 * (and its reverse arrow). Returns {d, at(t), normal, bend}: the curve
	 * bulges by `bend` towards `normal`. */
	Diagram.prototype.curve = function (a, b, baseBend) {
		var p0 = this.centre(a), p1 = this.centre(b);
		var mx = (p0.x + p1.x) / 2, my = (p0.y + p1.y) / 2;
		var len = Math.hypot(p1.x - p0.x, p1.y - p0.y) || 1;
		var nx = -(p1.y - p0.y) / len, ny = (p1.x - p0.x) / len;
		var bends = [baseBend, baseBend + 40, baseBend - 40, baseBend + 80, baseBend - 80];
		var c = null, bend = 0;
		for (var i = 0; i < bends.length; i++) {
			bend = bends[i];
			c = {x: mx + nx * bend, y: my + ny * bend};
			if (!this.crosses(p0, c, p1, a, b))
				break;
		}
		var s = boxExit(p0, c), e = boxExit(p1, c);
		return {
			d: "M" + s.x.toFixed(1) + "," + s.y.toFixed(1) + " Q" + c.x.toFixed(1) + "," + c.y.toFixed(1) +
				" " + e.x.toFixed(1) + "," + e.y.toFixed(1),
			at: function (t) {
				return {x: (1 - t) * (1 - t) * s.x + 2 * (1 - t) * t * c.x + t * t * e.x,
					y: (1 - t) * (1 - t) * s.y + 2 * (1 - t) * t * c.y + t * t * e.y};
			},
			normal: {x: nx, y: ny},
			bend: bend
		};
	};

	Diagram.prototype.addEdge = function (key, group) {
		var self = this, reverse = this.edges[group.to + ">" + group.from];
		var g = el("g", {"class": "edge" + (group.figure ? "" : " other"), "data-edge": key}, this.edgeLayer);
		var path = el("path", {"marker-end": "url(#arrow)"}, g);
		var label = el("text", {"class": "label"}, g);
		var edge = {g: g, curve: null};

		title(g, group.rows.map(function (r) { return r.from + " -> " + r.to + ": " + r.label; }).join("\n"));
		/* The RFC's words on two lines: the event, then what is sent. */
		group.rows[0].label.split(" / ").slice(0, 2).forEach(function (part, i) {
			var more = i === 0 && group.rows.length > 1 ? " (+" + (group.rows.length - 1) + ")" : "";
			el("tspan", {dy: i ? "1.1em" : "-0.2em"}, label).textContent = part + more;
		});
		edge.reshape = function (bend) {
			var curve = self.curve(group.from, group.to, bend), m = curve.at(0.5);
			/* The label sits beside the arrow's middle, on the outside of
			 * its bulge (a straight arrow: on its left), clear of the
			 * arrow itself and of the step numbers drawn on it. */
			var out = curve.bend < 0 ? -1 : 1;
			var ox = curve.normal.x * out, oy = curve.normal.y * out;
			edge.curve = curve;
			path.setAttribute("d", curve.d);
			label.setAttribute("text-anchor", ox > 0.4 ? "start" : ox < -0.4 ? "end" : "middle");
			label.setAttribute("y", (m.y + oy * 8).toFixed(1));
			Array.prototype.forEach.call(label.childNodes, function (t) {
				t.setAttribute("x", (m.x + ox * 6).toFixed(1));
			});
		};
		/* An arrow and its reverse (LISTEN and CLOSED) bend apart: the same
		 * bend turns each to its own left. */
		if (reverse)
			reverse.reshape(22);
		edge.reshape(reverse ? 22 : 0);
		this.edges[key] = edge;
	};

	Diagram.prototype.addStub = function (state) {
		var n = this.nodes[state];
		var g = el("g", {"class": "stub", "data-stub": state}, this.edgeLayer);
		var x0 = n.x + BOX_W / 2 - 14, y0 = n.y + BOX_H / 2;
		el("path", {d: "M" + x0 + "," + y0 + " l14,16", "marker-end": "url(#arrow)"}, g);
		el("text", {x: x0 + 17, y: y0 + 17, "class": "stub-label"}, g).textContent = "to CLOSED";
		title(g, state + ": giving up, to CLOSED\n" + this.giveUp[state].join("\n"));
		this.stubs[state] = g;
	};

	/* ---- what the page calls ------------------------------------------------ */

	/* counts: state -> number of live connections in it. */
	Diagram.prototype.setCounts = function (counts) {
		var self = this;
		Object.keys(this.nodes).forEach(function (id) {
			var n = self.nodes[id], c = id === END ? 0 : counts[id] || 0;
			n.g.classList.toggle("occupied", c > 0);
			n.g.setAttribute("data-count", c);
			n.badge.lastChild.textContent = c > 0 ? String(c) : "";
		});
	};

	/* The selected connection: its path drawn in `colour`, each step
	 * numbered, its current state outlined. path: ["CLOSED", "LISTEN", ...]. */
	Diagram.prototype.showPath = function (path, colour) {
		var self = this;
		while (this.overlay.firstChild)
			this.overlay.removeChild(this.overlay.firstChild);
		Object.keys(this.nodes).forEach(function (id) {
			self.nodes[id].g.classList.remove("visited", "current");
			self.nodes[id].g.style.removeProperty("--path");
		});
		if (!path || path.length === 0)
			return;
		for (var i = 0; i + 1 < path.length; i++) {
			var to = targetNode(path[i], path[i + 1]);
			var edge = this.edges[path[i] + ">" + to];
			var curve = edge ? edge.curve : this.curve(path[i], to, 30); /* a way of giving up */
			el("path", {d: curve.d, "class": "path-edge", stroke: colour, "marker-end": "url(#arrow)"}, this.overlay);
			var at = curve.at(0.3);
			var step = el("g", {"class": "step", transform: "translate(" + at.x.toFixed(1) + "," + at.y.toFixed(1) + ")"},
				this.overlay);
			el("circle", {r: 8, fill: colour}, step);
			el("text", {y: 3.5}, step).textContent = String(i + 1);
		}
		/* The boxes it went through: the first is where it began (the top
		 * CLOSED), each other one is where an arrow of the path ends. */
		path.forEach(function (s, i) {
			var n = self.nodes[i === 0 ? s : targetNode(path[i - 1], s)];
			if (!n)
				return;
			n.g.classList.add("visited");
			n.g.style.setProperty("--path", colour);
			if (i === path.length - 1)
				n.g.classList.add("current");
		});
	};

	/* A transition just happened: light its arrow up for a moment. */
	Diagram.prototype.flash = function (from, to) {
		var key = from + ">" + targetNode(from, to);
		var g = this.edges[key] ? this.edges[key].g : this.stubs[from];
		if (!g)
			return;
		g.classList.remove("flash");
		void g.getBoundingClientRect(); /* restart the animation */
		g.classList.add("flash");
	};

	return {
		create: function (svg, table) { return new Diagram(svg, table); },
		targetNode: targetNode
	};
})();
