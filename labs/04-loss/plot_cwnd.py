#!/usr/bin/python3
"""plot_cwnd.py TRACE.jsonl LOCAL_PORT OUT_PREFIX — the congestion window over
time of tapir's first connection on LOCAL_PORT, from its trace: OUT_PREFIX.csv
(time, cwnd, ssthresh, cause) and OUT_PREFIX.svg (a plain SVG line chart,
retransmission timeouts marked in red, fast retransmits in orange)."""
import json
import sys

trace, port, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
points, marks, conn = [], [], None
for line in open(trace):
    ev = json.loads(line)
    if ev.get("local_port") != port or ev.get("remote_port") == 0:
        continue
    if conn is None:
        conn = ev["conn"]
    if ev["conn"] != conn:
        continue
    if ev["event"] == "tcp-cwnd":
        points.append((ev["time_us"], ev["cwnd"], min(ev["ssthresh"], 1 << 24), ev["cause"]))
    elif ev["event"] == "tcp-timer" and ev["timer"] in ("retransmission", "fast retransmit"):
        marks.append((ev["time_us"], ev["timer"]))
if not points:
    sys.exit(f"no tcp-cwnd events for port {port} in {trace}")

t0 = points[0][0]
with open(prefix + ".csv", "w") as f:
    f.write("time_ms,cwnd,ssthresh,cause\n")
    for t, c, s, cause in points:
        f.write(f"{(t - t0) / 1000:.3f},{c},{s},{cause}\n")

W, H, L, B = 900, 420, 70, 40
tmax = max((points[-1][0] - t0), 1)
ymax = max(max(c for _, c, _, _ in points), 1)
x = lambda t: L + (t - t0) / tmax * (W - L - 20)
y = lambda v: H - B - min(v, ymax * 1.1) / (ymax * 1.1) * (H - B - 30)


def polyline(values, colour, dash=""):
    """A step line: each value holds until the next change."""
    steps, last = [], None
    for t, v in values:
        if last is not None:
            steps.append((t, last))
        steps.append((t, v))
        last = v
    pts = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in steps)
    return f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" {dash} points="{pts}"/>'


svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       f'<text x="{W / 2}" y="18" text-anchor="middle" font-weight="bold">cwnd and ssthresh of tapir, connection #{conn} (port {port})</text>',
       f'<line x1="{L}" y1="{H - B}" x2="{W - 20}" y2="{H - B}" stroke="black"/>',
       f'<line x1="{L}" y1="{H - B}" x2="{L}" y2="25" stroke="black"/>',
       f'<text x="{W / 2}" y="{H - 8}" text-anchor="middle">time (ms), {tmax / 1000:.0f} ms in all</text>',
       f'<text x="15" y="{H / 2}" transform="rotate(-90 15 {H / 2})" text-anchor="middle">bytes</text>']
for i in range(5):
    v = ymax * 1.1 * i / 4
    svg.append(f'<text x="{L - 5}" y="{y(v) + 4:.1f}" text-anchor="end">{v / 1000:.0f}k</text>')
for t, kind in marks:
    colour = "red" if kind == "retransmission" else "orange"
    svg.append(f'<line x1="{x(t):.1f}" y1="25" x2="{x(t):.1f}" y2="{H - B}" stroke="{colour}" stroke-width="0.6" opacity="0.7"/>')
svg.append(polyline([(t, s) for t, _, s, _ in points], "grey", 'stroke-dasharray="4 3"'))
svg.append(polyline([(t, c) for t, c, _, _ in points], "#1f5fa8"))
svg.append(f'<text x="{W - 200}" y="40" fill="#1f5fa8">cwnd</text><text x="{W - 200}" y="56" fill="grey">ssthresh</text>'
           f'<text x="{W - 200}" y="72" fill="red">retransmission timeout</text><text x="{W - 200}" y="88" fill="orange">fast retransmit</text>')
svg.append("</svg>")
open(prefix + ".svg", "w").write("\n".join(svg))
print(f"{len(points)} cwnd changes, {sum(1 for _, k in marks if k == 'retransmission')} timeouts, "
      f"{sum(1 for _, k in marks if k != 'retransmission')} fast retransmits -> {prefix}.svg")
