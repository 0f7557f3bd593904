// Emits data the way a step running on elasticio-sailor-nodejs does: Sailor#runExec runs a
// one-line action returning each message, so the Node sailor's own onData decides on
// lightweight messages (ELASTICIO_EMIT_LIGHTWEIGHT_MESSAGE, ELASTICIO_OBJECT_STORAGE_SIZE_THRESHOLD),
// uploads bodies with its own object-storage client (@elastic.io/maester-client, message cipher)
// and publishes with Amqp#sendData. Input on stdin: a JSON list of {message, headers, passthrough}:
// the message the action returns, the outgoing AMQP headers, and whether the step is a
// passthrough step. The action's input message never came from a queue, so acking it is only
// recorded. Prints one line per message: RESULT {"sent": messageId}.
'use strict';

const fs = require('fs');
const path = require('path');

const sailorDir = process.env.INTEROP_SAILOR_DIR;
const { Sailor } = require(path.join(sailorDir, 'lib', 'sailor.js'));
const log = require(path.join(sailorDir, 'lib', 'logging.js'));
const settings = require(path.join(sailorDir, 'lib', 'settings.js')).readFrom(process.env);

async function main() {
    const input = JSON.parse(fs.readFileSync(0, 'utf8'));
    const sailor = new Sailor(settings);
    await sailor.connect();
    const settled = [];
    sailor.amqpConnection.ack = async (messageId) => settled.push({ messageId, ok: true });
    sailor.amqpConnection.reject = async (messageId) => settled.push({ messageId, ok: false });
    for (const [index, { message, headers, passthrough }] of input.entries()) {
        const incomingId = `incoming-${index}`;
        const incoming = {
            fields: { deliveryTag: index + 1 },
            properties: { headers: { messageId: incomingId } },
            content: Buffer.from('{}')
        };
        const action = { process: async () => JSON.parse(JSON.stringify(message)) };
        const stepData = { config: {}, is_passthrough: Boolean(passthrough), variables: {} };
        const logger = log.child({ messageId: incomingId });
        await sailor.runExec(action, { body: {} }, incoming, { ...headers }, stepData, Date.now(), logger);
        const outcome = settled.find((s) => s.messageId === incomingId);
        if (!outcome || !outcome.ok) {
            throw new Error(`the Node sailor did not emit message ${index}: ${JSON.stringify(outcome)}`);
        }
        console.log('RESULT ' + JSON.stringify({ sent: headers.messageId }));
    }
    await sailor.amqpConnection.disconnect();
}

main().then(
    () => process.exit(0),
    (err) => {
        console.error((err && err.stack) || String(err));
        process.exit(1);
    }
);
