// Takes COUNT messages from QUEUE and decodes each with the Node sailor's own decoder: its
// Amqp#listenQueue decrypts by the message's protocolVersion header, and with INPUT_FORMAT=error
// it decodes an error message's `error` and `errorInput`. Snapshots are plain JSON on the wire
// (the Node sailor publishes them with JSON.stringify), so MODE=plain parses them as such.
// Prints one line per message: RESULT {"message" (as decoded), "headers", "properties"}.
// Usage: node decode.js QUEUE COUNT default|error|plain TIMEOUT_MS
'use strict';

const path = require('path');

const [queue, countText, mode, timeoutText] = process.argv.slice(2);
const count = Number(countText);
const sailorDir = process.env.INTEROP_SAILOR_DIR;
const { Amqp } = require(path.join(sailorDir, 'lib', 'amqp.js'));
const settings = require(path.join(sailorDir, 'lib', 'settings.js')).readFrom(process.env);
if (mode === 'error') {
    settings.INPUT_FORMAT = 'error';
}

function report(message, amqpMessage) {
    const { headers, expiration, contentType, contentEncoding, deliveryMode } = amqpMessage.properties;
    const properties = { expiration, contentType, contentEncoding, deliveryMode };
    console.log('RESULT ' + JSON.stringify({ message, headers, properties }));
}

async function main() {
    const amqp = new Amqp(settings);
    await amqp.connect();
    let seen = 0;
    const done = new Promise((resolve, reject) => {
        const timer = setTimeout(
            () => reject(new Error(`only ${seen} of ${count} messages on ${queue} within ${timeoutText} ms`)),
            Number(timeoutText)
        );
        const take = (message, amqpMessage) => {
            report(message, amqpMessage);
            amqp.consumerChannel.ack(amqpMessage);
            seen += 1;
            if (seen >= count) {
                clearTimeout(timer);
                resolve();
            }
        };
        if (mode === 'plain') {
            amqp.consumerChannel
                .consume(queue, (amqpMessage) => take(JSON.parse(amqpMessage.content.toString()), amqpMessage))
                .catch(reject);
        } else {
            // A message the decoder cannot read is rejected by listenQueue and never reaches us.
            amqp.listenQueue(queue, async (message, amqpMessage) => take(message, amqpMessage)).catch(reject);
        }
    });
    await done;
    process.exit(0);
}

main().catch((err) => {
    console.error((err && err.stack) || String(err));
    process.exit(1);
});
