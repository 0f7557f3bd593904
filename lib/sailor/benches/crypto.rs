//! Message crypto on a typical step message (a webinar as `getWebinar` emits it, about 1.5 KB).
//! Run with `cargo bench -p sailor --bench crypto`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use sailor::MessageCrypto;
use serde_json::{json, Value};

fn typical_message() -> Value {
    json!({
        "id": "9f1c2d6e-8b3a-4f61-a0c7-5d2e1b7c9a01",
        "attachments": {},
        "headers": {},
        "body": {
            "webinarKey": "24576065432313123456",
            "webinarId": "123-456-789",
            "organizerKey": "10208180301458787589",
            "accountKey": "3957458926893454862",
            "subject": "Product Launch Q&A",
            "description": "Everything about the new release: what changed, how to move your flows, and \
                            a long question and answer session with the product team.",
            "organizerName": "Morgan Lee",
            "organizerEmail": "morgan.lee@northwind.example",
            "times": [{"startTime": "2026-03-15T16:00:00Z", "endTime": "2026-03-15T17:00:00Z"}],
            "timeZone": "Europe/Berlin",
            "locale": "en_US",
            "type": "single_session",
            "experienceType": "CLASSIC",
            "isPasswordProtected": false,
            "isOndemand": false,
            "registrationUrl": "https://attendee.gotowebinar.com/register/24576065432313123456",
            "impromptu": false,
            "inSession": false,
            "numberOfRegistrants": 1000,
            "registrationLimit": 1000,
            "recurrencePeriod": "never"
        }
    })
}

fn crypto(c: &mut Criterion) {
    let crypto = MessageCrypto::new(Some("testCryptoPassword"), Some("iv=any16_symbols")).unwrap();
    let message = typical_message();
    let encrypted = crypto.encrypt_json(&message, 1);
    c.bench_function("encrypt_message", |b| b.iter(|| crypto.encrypt_json(black_box(&message), 1)));
    c.bench_function("decrypt_message", |b| {
        b.iter(|| crypto.decrypt_json(black_box(&encrypted), 1).unwrap())
    });
}

criterion_group!(benches, crypto);
criterion_main!(benches);
