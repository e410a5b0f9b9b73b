// ws_server.js — a kernel-side WebSocket server (Node's `ws` package) for
// tapir's client, tapir-ws: /echo echoes every message (ws rejects unmasked
// client frames with 1002, so an echo proves tapir masks), /bad-accept
// answers the upgrade with a wrong Sec-WebSocket-Accept, which tapir-ws
// must refuse. Prints "listening" when ready.
//
//   node ws_server.js PORT
'use strict';
const http = require('http');
const WebSocket = require('ws');

const port = Number(process.argv[2] || 8080);
const server = http.createServer((req, res) => {
  res.writeHead(404);
  res.end();
});
const wss = new WebSocket.WebSocketServer({ noServer: true });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
server.on('upgrade', (req, socket, head) => {
  if (req.url === '/bad-accept') {
    socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n' +
               'Connection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
});
server.listen(port, '0.0.0.0', () => console.log('listening'));
