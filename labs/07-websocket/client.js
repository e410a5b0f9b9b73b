// client.js — Lab 7's WebSocket client, Node's `ws` package on the kernel
// side: opens URL, sends a text message, a binary one, a text of 300 bytes
// (too long for the 7-bit length), a ping, then closes with 1000 and a
// reason; then opens a second connection and closes it with no code.
// Prints what it sends and gets, one line each; exits 1 on failure.
//
//   node client.js ws://10.0.0.2/ws/echo
'use strict';
const WebSocket = require('ws');

const url = process.argv[2] || 'ws://10.0.0.2/ws/echo';

function say(line) {
  console.log(line);
}

function next(ws, event) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within 5 s`)), 5000);
    ws.once(event, (...args) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

async function main() {
  const ws = new WebSocket(url);
  const upgraded = next(ws, 'upgrade');
  const opened = next(ws, 'open'); // 'open' follows 'upgrade' at once
  const [res] = await upgraded;
  say(`opening handshake: ${res.statusCode} ${res.statusMessage}`);
  say(`  Sec-WebSocket-Accept: ${res.headers['sec-websocket-accept']}`);
  await opened;
  say(`readyState ${ws.readyState} (OPEN)`);

  ws.send('hello, tapir');
  let [data, isBinary] = await next(ws, 'message');
  say(`text sent, echoed as ${isBinary ? 'binary' : 'text'}: "${data}"`);

  ws.send(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
  [data, isBinary] = await next(ws, 'message');
  say(`binary sent, echoed as ${isBinary ? 'binary' : 'text'}: ${data.toString('hex')}`);

  const long = 'x'.repeat(300);
  ws.send(long);
  [data] = await next(ws, 'message');
  say(`300-byte text sent, echoed: ${data.length} bytes, ${data.toString() === long ? 'equal' : 'DIFFERENT'}`);

  ws.ping('are you there?');
  [data] = await next(ws, 'pong');
  say(`ping sent, pong received: "${data}"`);

  ws.close(1000, 'lesson over');
  say(`readyState ${ws.readyState} (CLOSING) after close(1000, "lesson over")`);
  const [code, reason] = await next(ws, 'close');
  say(`closed: code ${code}, reason "${reason}", readyState ${ws.readyState} (CLOSED)`);

  // A second connection, closed with no code at all, as a browser's
  // ws.close() does: the close frame is empty and the API reports 1005.
  const quiet = new WebSocket(url);
  await next(quiet, 'open');
  quiet.close();
  const [quietCode] = await next(quiet, 'close');
  say(`second connection closed with close() and no code: the API reports ${quietCode}`);
}

main().catch((e) => {
  say(`failed: ${e.message}`);
  process.exit(1);
});
