// Takes COUNT messages from QUEUE and decodes each with the Node sailor's own decoder: its
// Amqp#listenQueue decrypts by the message's protocolVersion header, and with INPUT_FORMAT=error
// it decodes an error message's `error` and `errorInput`. Snapshots are plain JSON on the wire
// (the Node sailor publishes them with JSON.stringify), so MODE=plain parses them as such.
// MODE=lightweight decodes as default, then fetches the bodies of the message and of its
// passthrough entries with the Node sailor's own Sailor#fetchMessageBody (its object-storage
// client and cipher), as the Node sailor does before processing a message.
// MODE=reply-error reads an error sent to reply_to: base64 of the encrypted error, decrypted with
// the Node sailor's Encryptor.
// Prints one line per message: RESULT {"message" (as decoded), "headers", "properties"} plus, for
// MODE=lightweight, "fetched": {"body", "passthrough": {stepId: body}}.
// Usage: node decode.js QUEUE COUNT default|error|plain|lightweight|reply-error TIMEOUT_MS
'use strict';

const path = require('path');

const [queue, countText, mode, timeoutText] = process.argv.slice(2);
const count = Number(countText);
const sailorDir = process.env.INTEROP_SAILOR_DIR;
const { Amqp } = require(path.join(sailorDir, 'lib', 'amqp.js'));
const { Sailor } = require(path.join(sailorDir, 'lib', 'sailor.js'));
const Encryptor = require(path.join(sailorDir, 'lib', 'encryptor.js'));
const log = require(path.join(sailorDir, 'lib', 'logging.js'));
const settings = require(path.join(sailorDir, 'lib', 'settings.js')).readFrom(process.env);
if (mode === 'error') {
    settings.INPUT_FORMAT = 'error';
}

function report(message, amqpMessage, fetched) {
    const { headers, expiration, contentType, contentEncoding, deliveryMode } = amqpMessage.properties;
    const properties = { expiration, contentType, contentEncoding, deliveryMode };
    console.log('RESULT ' + JSON.stringify({ message, headers, properties, fetched }));
}

// The bodies the Node sailor would process: fetched from object storage where the headers say so.
async function fetchBodies(sailor, message) {
    const logger = log.child({ decode: true });
    const passthrough = {};
    for (const [stepId, entry] of Object.entries(message.passthrough || {})) {
        passthrough[stepId] = await sailor.fetchMessageBody(entry, logger);
    }
    return { body: await sailor.fetchMessageBody(message, logger), passthrough };
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
        const take = (message, amqpMessage, fetched) => {
            report(message, amqpMessage, fetched);
            amqp.consumerChannel.ack(amqpMessage);
            seen += 1;
            if (seen >= count) {
                clearTimeout(timer);
                resolve();
            }
        };
        if (mode === 'lightweight') {
            const sailor = new Sailor(settings);
            const fetchThenTake = async (message, amqpMessage) => {
                // Copied first: the decoded message is reported as it came off the wire.
                const wire = JSON.parse(JSON.stringify(message));
                take(wire, amqpMessage, await fetchBodies(sailor, message));
            };
            amqp.listenQueue(queue, (message, amqpMessage) => fetchThenTake(message, amqpMessage).catch(reject))
                .catch(reject);
        } else if (mode === 'reply-error') {
            const encryptor = new Encryptor(settings.MESSAGE_CRYPTO_PASSWORD, settings.MESSAGE_CRYPTO_IV);
            amqp.consumerChannel
                .consume(queue, (amqpMessage) => {
                    try {
                        take(encryptor.decryptMessageContent(amqpMessage.content, 'base64'), amqpMessage);
                    } catch (err) {
                        reject(err);
                    }
                })
                .catch(reject);
        } else if (mode === 'plain') {
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
