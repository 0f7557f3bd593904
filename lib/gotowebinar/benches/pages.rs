//! Parsing one full page (200 registrants) into the client's models, as every list read does.
//! Run with `cargo bench -p gotowebinar --bench pages`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use gotowebinar::models::Registrant;
use gotowebinar::pagination::parse_page;
use serde_json::json;

/// A registrants page as GoTo sends it: `{data, total, page, limit, pageSize}`, keys as numbers.
fn page_of_200() -> Vec<u8> {
    let data: Vec<_> = (0..200u64)
        .map(|n| {
            json!({
                "registrantKey": 18_446_744_073_709_551_615u64 - n,
                "firstName": format!("First{n}"),
                "lastName": format!("Last{n}"),
                "email": format!("person{n}@example.com"),
                "status": "APPROVED",
                "registrationDate": "2026-03-01T10:00:00Z",
                "joinUrl": format!("https://global.gotowebinar.com/join/24576065432313123456/{n}"),
                "timeZone": "Europe/Berlin",
                "organization": "Northwind",
                "jobTitle": "Engineer"
            })
        })
        .collect();
    serde_json::to_vec(&json!({"data": data, "total": 50_000, "page": 3, "limit": 200, "pageSize": 200}))
        .unwrap()
}

fn pages(c: &mut Criterion) {
    let body = page_of_200();
    c.bench_function("parse_page_200", |b| {
        b.iter(|| {
            let page = parse_page::<Registrant>(black_box(&body), "registrants", 3, 200).unwrap();
            assert_eq!(page.items.len(), 200);
            page
        })
    });
}

criterion_group!(benches, pages);
criterion_main!(benches);
