//! A client from `tlsroots::client_builder` opens TLS exactly as a client `reqwest` sets up
//! itself: the same ClientHello (versions, cipher suites, extensions, SNI, ALPN, groups), and the
//! system's roots are read once however many clients are built.

use std::collections::BTreeMap;
use std::io::Read;
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

/// The parts of a ClientHello that stay the same from one connection to the next: everything
/// but the random, the session id and the key shares' keys.
#[derive(Debug, PartialEq, Eq)]
struct Hello {
    version: [u8; 2],
    suites: Vec<u8>,
    compression: Vec<u8>,
    extensions: BTreeMap<u16, Vec<u8>>,
}

fn take<'a>(bytes: &mut &'a [u8], n: usize) -> &'a [u8] {
    assert!(bytes.len() >= n, "the ClientHello ends early");
    let (head, rest) = bytes.split_at(n);
    *bytes = rest;
    head
}

fn len16(bytes: &mut &[u8]) -> usize {
    let b = take(bytes, 2);
    usize::from(b[0]) << 8 | usize::from(b[1])
}

fn parse(record: &[u8]) -> Hello {
    let mut b = record;
    assert_eq!(take(&mut b, 1), [0x16], "not a TLS handshake record");
    take(&mut b, 4);
    assert_eq!(take(&mut b, 1), [0x01], "not a ClientHello");
    take(&mut b, 3);
    let version = take(&mut b, 2).try_into().unwrap();
    take(&mut b, 32);
    let session = usize::from(take(&mut b, 1)[0]);
    take(&mut b, session);
    let n = len16(&mut b);
    let suites = take(&mut b, n).to_vec();
    let n = usize::from(take(&mut b, 1)[0]);
    let compression = take(&mut b, n).to_vec();
    let n = len16(&mut b);
    let mut ext = take(&mut b, n);
    let mut extensions = BTreeMap::new();
    while !ext.is_empty() {
        let kind = len16(&mut ext) as u16;
        let n = len16(&mut ext);
        let mut data = take(&mut ext, n).to_vec();
        if kind == 51 {
            // key_share: keep the groups, not the fresh keys.
            let mut shares = &data[2..];
            let mut groups = Vec::new();
            while !shares.is_empty() {
                groups.extend_from_slice(take(&mut shares, 2));
                let n = len16(&mut shares);
                take(&mut shares, n);
            }
            data = groups;
        }
        extensions.insert(kind, data);
    }
    Hello { version, suites, compression, extensions }
}

/// The ClientHello `client` sends to a server that reads it and hangs up.
async fn hello_of(client: reqwest::Client, listener: &TcpListener) -> Hello {
    let addr = listener.local_addr().unwrap();
    let listener = listener.try_clone().unwrap();
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut header = [0u8; 5];
        stream.read_exact(&mut header).unwrap();
        let mut body = vec![0u8; usize::from(header[3]) << 8 | usize::from(header[4])];
        stream.read_exact(&mut body).unwrap();
        [header.to_vec(), body].concat()
    });
    let url = format!("https://tls.test:{}/", addr.port());
    let answer = client.get(url).send().await;
    assert!(answer.is_err(), "the server hangs up, so no answer can come");
    parse(&server.join().unwrap())
}

fn resolving(builder: reqwest::ClientBuilder, addr: SocketAddr) -> reqwest::Client {
    builder.resolve("tls.test", addr).timeout(Duration::from_secs(5)).build().unwrap()
}

#[tokio::test]
async fn the_client_hello_is_the_one_reqwest_sends_and_the_roots_are_read_once() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    assert_eq!(tlsroots::reads(), 0);

    let own = hello_of(resolving(reqwest::Client::builder(), addr), &listener).await;
    let shared = hello_of(resolving(tlsroots::client_builder(), addr), &listener).await;
    assert_eq!(shared, own);
    assert_eq!(own.extensions.get(&16).map(Vec::as_slice), Some(b"\x00\x09\x08http/1.1".as_slice()), "ALPN");
    assert!(own.extensions.get(&0).is_some_and(|sni| sni.ends_with(b"tls.test")), "SNI");

    for _ in 0..3 {
        let again = hello_of(resolving(tlsroots::client_builder(), addr), &listener).await;
        assert_eq!(again, own);
    }
    tlsroots::warm_up();
    assert_eq!(tlsroots::reads(), 1, "the roots are read once per process");
}
