// ws_client.js — Node's `ws` package (the client most WebSocket servers are
// tested with) against a tapir WebSocket server: text and binary messages of
// 0, 125, 126, 127, 65535, 65536 bytes and 1 MiB echoed exactly (the edges
// of the 7-, 16- and 64-bit length forms, RFC 6455 5.2), a fragmented
// message with a ping in between, ping/pong, a clean close with 1000 and a
// reason, and two clients on the chat route seeing each other's messages.
// Prints "ok - ..." / "not ok - ..." lines.
//
//   node ws_client.js ws://10.0.0.2 [/ws/echo] [/ws/chat]
'use strict';
const WebSocket = require('ws');
const crypto = require('crypto');

const base = process.argv[2] || 'ws://10.0.0.2';
const echoPath = process.argv[3] || '/ws/echo';
const chatPath = process.argv[4] || '/ws/chat';
let failed = false;

function report(good, what) {
  console.log((good ? 'ok - ' : 'not ok - ') + what);
  if (!good) failed = true;
}

function open(path, protocols) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(base + path, protocols, { maxPayload: 8 * 1024 * 1024 });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function nextMessage(ws) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no message in 10 s')), 10000);
    ws.once('message', (data, isBinary) => {
      clearTimeout(timer);
      resolve({ data, isBinary });
    });
  });
}

function closed(ws) {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason })));
}

// Printable ASCII, so the byte count is the character count.
function text(n) {
  const bytes = crypto.randomBytes(n);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(0x21 + (bytes[i] % 94));
  return s;
}

async function sizes() {
  const ws = await open(echoPath);
  for (const n of [0, 125, 126, 127, 65535, 65536, 1048576]) {
    const t = text(n);
    ws.send(t);
    const m = await nextMessage(ws);
    report(!m.isBinary && m.data.toString() === t, `text of ${n} bytes echoed exactly as text`);
    const b = crypto.randomBytes(n);
    ws.send(b);
    const mb = await nextMessage(ws);
    report(mb.isBinary && Buffer.compare(mb.data, b) === 0,
           `binary of ${n} bytes echoed exactly as binary`);
  }
  ws.close(1000);
  await closed(ws);
}

async function fragments() {
  const ws = await open(echoPath);
  const pong = new Promise((resolve) => ws.once('pong', (d) => resolve(d.toString())));
  ws.send('frag-one ', { fin: false });
  ws.ping('mid');
  ws.send('frag-two ', { fin: false });
  ws.send('frag-three', { fin: true });
  const m = await nextMessage(ws);
  report(m.data.toString() === 'frag-one frag-two frag-three' && !m.isBinary,
         'a text message in 3 fragments comes back whole');
  report((await pong) === 'mid', 'a ping between the fragments is answered with its data');
  const big = crypto.randomBytes(200000);
  ws.send(big.subarray(0, 70000), { fin: false, binary: true });
  ws.send(big.subarray(70000, 140000), { fin: false, binary: true });
  ws.send(big.subarray(140000), { fin: true, binary: true });
  const mb = await nextMessage(ws);
  report(mb.isBinary && Buffer.compare(mb.data, big) === 0,
         'a 200000-byte binary message in 3 fragments comes back whole');
  ws.close(1000);
  await closed(ws);
}

async function pingPong() {
  const ws = await open(echoPath);
  const got = new Promise((resolve) => ws.once('pong', (d) => resolve(d.toString())));
  ws.ping('are you there?');
  report((await got) === 'are you there?', 'ping answered by a pong with the same data');
  const empty = new Promise((resolve) => ws.once('pong', (d) => resolve(d.length)));
  ws.ping();
  report((await empty) === 0, 'an empty ping is answered by an empty pong');
  ws.close(1000);
  await closed(ws);
}

async function cleanClose() {
  const ws = await open(echoPath);
  const done = closed(ws);
  ws.close(1000, 'lesson over');
  const c = await done;
  report(c.code === 1000 && c.reason.toString() === 'lesson over',
         `clean close: code ${c.code}, reason "${c.reason}" echoed`);
  report(ws.readyState === WebSocket.CLOSED, 'readyState is CLOSED after the close handshake');
}

async function chat() {
  const a = await open(chatPath, ['chat']);
  const b = await open(chatPath, ['chat']);
  report(a.protocol === 'chat' && b.protocol === 'chat',
         `chat route negotiates the subprotocol (${a.protocol})`);
  const toB = nextMessage(b);
  const toA1 = nextMessage(a);
  a.send('hello from A');
  report((await toB).data.toString() === 'hello from A', 'client B sees A\'s chat message');
  report((await toA1).data.toString() === 'hello from A', 'client A gets its own message back');
  const toA = nextMessage(a);
  b.send('hi A, this is B');
  report((await toA).data.toString() === 'hi A, this is B', 'client A sees B\'s chat message');
  a.close(1000);
  b.close(1000);
  await Promise.all([closed(a), closed(b)]);
}

(async () => {
  for (const [name, fn] of [['sizes', sizes], ['fragments', fragments], ['ping', pingPong],
                            ['close', cleanClose], ['chat', chat]]) {
    try {
      await fn();
    } catch (e) {
      report(false, `${name}: ${e.message}`);
    }
  }
  process.exit(failed ? 1 : 0);
})();
