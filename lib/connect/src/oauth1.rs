//! OAuth 1.0a three-legged providers (Twitter-style): the request token, the authorization URL
//! with `oauth_token`, the callback with `oauth_token` + `oauth_verifier`, and the access token
//! with its token secret. Requests are signed with HMAC-SHA1 as RFC 5849 section 3.4 says.

use std::collections::BTreeMap;

use base64::Engine as _;
use gotowebinar::oauth::OAuthKeys;
use gotowebinar::{ClientSecret, Secret};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha1::Sha1;

use super::provider::scrub;
use super::{AuthError, Commands};

/// The `oauthVersion` of a three-legged OAuth 1.0a provider file.
pub const VERSION: &str = "1.0a";

/// A provider file for an OAuth 1.0a provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OAuth1File {
    /// Always `"1.0a"`.
    pub oauth_version: String,
    /// A short name, shown in outputs and stored with the credential.
    pub name: String,
    /// Where the temporary credentials (request token) are obtained.
    pub request_token_url: String,
    /// The page a person opens, with `oauth_token` added.
    pub authorize_url: String,
    /// Where the request token and verifier are exchanged for the access token.
    pub access_token_url: String,
    /// Further query parameters of the authorization URL.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra_authorize_params: BTreeMap<String, String>,
    /// The environment variable holding the consumer key (default `OAUTH_CLIENT_ID`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id_env: Option<String>,
    /// The environment variable holding the consumer secret (default `OAUTH_CLIENT_SECRET`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret_env: Option<String>,
}

impl OAuth1File {
    /// Reads and checks an OAuth 1.0a provider definition from JSON.
    pub fn from_value(value: Value, origin: &str) -> Result<Self, AuthError> {
        let file: OAuth1File = serde_json::from_value(value).map_err(|error| {
            AuthError::usage(format!(
                "{origin} is not an OAuth 1.0a provider definition: {error} (expected {{\"oauthVersion\": \
                 \"1.0a\", \"name\", \"requestTokenUrl\", \"authorizeUrl\", \"accessTokenUrl\"}})"
            ))
        })?;
        if file.oauth_version.trim() != VERSION {
            return Err(AuthError::usage(format!(
                "{origin}: oauthVersion {:?} is not supported; use \"1.0a\" or \"2.0\"",
                file.oauth_version
            )));
        }
        if file.name.trim().is_empty() {
            return Err(AuthError::usage(format!("{origin}: `name` is empty: give the provider a name")));
        }
        for (field, value) in [
            ("requestTokenUrl", &file.request_token_url),
            ("authorizeUrl", &file.authorize_url),
            ("accessTokenUrl", &file.access_token_url),
        ] {
            super::check_endpoint(origin, field, value)?;
        }
        Ok(file)
    }

    /// The authorization URL for a request token.
    pub fn authorize_url(&self, request_token: &str) -> Result<String, AuthError> {
        let mut url = url::Url::parse(&self.authorize_url)
            .map_err(|error| AuthError::usage(format!("authorizeUrl is not a URL: {error}")))?;
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("oauth_token", request_token);
            for (name, value) in &self.extra_authorize_params {
                pairs.append_pair(name, value);
            }
        }
        Ok(url.into())
    }
}

/// RFC 5849 section 3.6 percent-encoding: everything but `A-Z a-z 0-9 - . _ ~` as `%XX` (upper
/// case hex) of its UTF-8 bytes.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(char::from(byte)),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// RFC 5849 section 3.4.1.3.2: every name and value encoded, sorted by name then value, joined.
pub fn normalized_parameters(params: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> = params.iter().map(|(k, v)| (encode(k), encode(v))).collect();
    encoded.sort();
    encoded.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
}

/// RFC 5849 section 3.4.1.2: scheme and host in lower case, the port only when not the
/// default, the path; no query or fragment.
pub fn base_string_uri(url: &url::Url) -> String {
    // `Url` already lower-cases the scheme and host and drops a default port.
    let mut base = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default());
    if let Some(port) = url.port() {
        base.push_str(&format!(":{port}"));
    }
    base.push_str(url.path());
    base
}

/// RFC 5849 section 3.4.1: `METHOD&encoded base URI&encoded normalized parameters`, with the
/// URL's query parameters among the parameters.
pub fn base_string(method: &str, url: &str, params: &[(String, String)]) -> Result<String, AuthError> {
    let url =
        url::Url::parse(url).map_err(|error| AuthError::usage(format!("{url:?} is not a URL: {error}")))?;
    let mut all: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    all.extend(params.iter().cloned());
    Ok(format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        encode(&base_string_uri(&url)),
        encode(&normalized_parameters(&all))
    ))
}

/// RFC 5849 section 3.4.2: the encoded consumer secret and token secret joined by `&`.
pub fn signing_key(consumer_secret: &str, token_secret: &str) -> String {
    format!("{}&{}", encode(consumer_secret), encode(token_secret))
}

/// HMAC-SHA1 of `text` under `key`, base64.
pub fn hmac_sha1(key: &str, text: &str) -> String {
    // HMAC takes a key of any length (longer ones are hashed), so this never fails.
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(key.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(text.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Who signs a request: the consumer and, after the first leg, a token. No `Debug`: it holds
/// secrets.
pub struct Signer<'a> {
    /// The consumer key (client id).
    pub consumer_key: &'a str,
    /// The consumer secret.
    pub consumer_secret: &'a str,
    /// The token (request token or access token), if any.
    pub token: Option<&'a str>,
    /// The token's secret (empty for the request token leg).
    pub token_secret: &'a str,
}

impl Signer<'_> {
    /// The protocol parameters of one request, `oauth_signature` last. `extra` are further
    /// protocol parameters (`oauth_callback`, `oauth_verifier`); `form` is the request's form body,
    /// which is signed but not part of the result.
    pub fn sign(
        &self,
        method: &str,
        url: &str,
        extra: &[(&str, &str)],
        form: &[(&str, &str)],
        nonce: &str,
        timestamp: &str,
    ) -> Result<Vec<(String, String)>, AuthError> {
        let mut oauth: Vec<(String, String)> = vec![
            ("oauth_consumer_key".into(), self.consumer_key.into()),
            ("oauth_nonce".into(), nonce.into()),
            ("oauth_signature_method".into(), "HMAC-SHA1".into()),
            ("oauth_timestamp".into(), timestamp.into()),
        ];
        if let Some(token) = self.token {
            oauth.push(("oauth_token".into(), token.into()));
        }
        oauth.push(("oauth_version".into(), "1.0".into()));
        oauth.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let mut all = oauth.clone();
        all.extend(form.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let base = base_string(method, url, &all)?;
        let signature = hmac_sha1(&signing_key(self.consumer_secret, self.token_secret), &base);
        oauth.push(("oauth_signature".into(), signature));
        Ok(oauth)
    }
}

/// The `Authorization: OAuth …` header value of signed protocol parameters (RFC 5849 3.5.1).
pub fn authorization_header(params: &[(String, String)]) -> String {
    let fields: Vec<String> =
        params.iter().map(|(k, v)| format!("{}=\"{}\"", encode(k), encode(v))).collect();
    format!("OAuth {}", fields.join(", "))
}

/// The temporary credentials of the first leg.
pub struct RequestToken {
    /// The request token (it travels in the authorization URL).
    pub token: String,
    /// Its secret, which signs the access token request.
    pub secret: Secret,
}

/// Which leg a request is, for messages.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Leg {
    RequestToken,
    /// With the program's commands, for the advice when the verifier is refused.
    AccessToken(Commands),
}

/// The consumer's key and secret.
pub struct Consumer<'a> {
    /// The consumer key.
    pub key: &'a str,
    /// The consumer secret.
    pub secret: &'a ClientSecret,
}

/// Gets a request token with `oauth_callback` = the redirect URI.
pub async fn request_token(
    file: &OAuth1File,
    consumer: &Consumer<'_>,
    redirect_uri: &str,
) -> Result<RequestToken, AuthError> {
    let signer = Signer {
        consumer_key: consumer.key,
        consumer_secret: consumer.secret.expose(),
        token: None,
        token_secret: "",
    };
    let map = signed_post(
        file,
        Leg::RequestToken,
        &signer,
        &[("oauth_callback", redirect_uri)],
        &[consumer.secret.expose()],
    )
    .await?;
    if map.get("oauth_callback_confirmed").and_then(Value::as_str) != Some("true") {
        return Err(AuthError::failed(
            "callback_not_confirmed",
            format!(
                "the request token endpoint {} did not confirm the callback (no oauth_callback_confirmed=true): \
                 the provider may speak OAuth 1.0 rather than 1.0a, which is not supported",
                file.request_token_url
            ),
        ));
    }
    let (token, secret) = token_pair(&map, Leg::RequestToken, &file.request_token_url)?;
    Ok(RequestToken { token, secret: Secret::new(secret) })
}

/// Exchanges the request token and verifier for the access token and token secret; the result
/// holds the provider's whole answer (`oauth_token`, `oauth_token_secret`, `user_id`, …). A
/// refusal's advice names the program's `commands`.
pub async fn access_token(
    file: &OAuth1File,
    consumer: &Consumer<'_>,
    request: &RequestToken,
    verifier: &str,
    commands: Commands,
) -> Result<OAuthKeys, AuthError> {
    let signer = Signer {
        consumer_key: consumer.key,
        consumer_secret: consumer.secret.expose(),
        token: Some(&request.token),
        token_secret: request.secret.expose(),
    };
    let secrets = [consumer.secret.expose(), request.secret.expose(), verifier];
    let map =
        signed_post(file, Leg::AccessToken(commands), &signer, &[("oauth_verifier", verifier)], &secrets)
            .await?;
    token_pair(&map, Leg::AccessToken(commands), &file.access_token_url)?;
    let mut keys = OAuthKeys::from_map(map);
    keys.insert("authorized_at", Value::String(gotowebinar::oauth::format_time(chrono::Utc::now())));
    Ok(keys)
}

fn token_pair(map: &Map<String, Value>, leg: Leg, endpoint: &str) -> Result<(String, String), AuthError> {
    let field =
        |name: &str| map.get(name).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    match (field("oauth_token"), field("oauth_token_secret")) {
        (Some(token), Some(secret)) => Ok((token, secret)),
        _ => Err(AuthError::failed(
            "token_endpoint",
            format!(
                "the {} endpoint {endpoint} answered without oauth_token and oauth_token_secret",
                leg.name()
            ),
        )),
    }
}

impl Leg {
    fn name(self) -> &'static str {
        match self {
            Leg::RequestToken => "request token",
            Leg::AccessToken(_) => "access token",
        }
    }
}

async fn signed_post(
    file: &OAuth1File,
    leg: Leg,
    signer: &Signer<'_>,
    extra: &[(&str, &str)],
    secrets: &[&str],
) -> Result<Map<String, Value>, AuthError> {
    let url = match leg {
        Leg::RequestToken => &file.request_token_url,
        Leg::AccessToken(_) => &file.access_token_url,
    };
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let params = signer.sign("POST", url, extra, &[], &nonce, &timestamp)?;
    let http = tlsroots::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|error| {
            AuthError::failed("token_endpoint", format!("cannot build an HTTP client: {error}"))
        })?;
    let response = http
        .post(url.as_str())
        .header(reqwest::header::AUTHORIZATION, authorization_header(&params))
        .header(reqwest::header::CONTENT_LENGTH, "0")
        .send()
        .await
        .map_err(|error| {
            AuthError::failed(
                "token_endpoint",
                format!(
                    "the {} endpoint {url} could not be reached: {}",
                    leg.name(),
                    scrub(&error.to_string(), secrets)
                ),
            )
        })?;
    let status = response.status().as_u16();
    let body = super::provider::capped_text(response, url).await?;
    if (200..300).contains(&status) {
        // Providers answer form-encoded (often labelled text/html); a few answer JSON.
        return Ok(parse_answer(&body));
    }
    let text: String = scrub(&body, secrets).split_whitespace().collect::<Vec<_>>().join(" ");
    let short: String = text.chars().take(200).collect();
    let answer = if short.is_empty() { format!("HTTP {status}") } else { format!("HTTP {status}: {short}") };
    Err(match (leg, status) {
        (Leg::RequestToken, 400 | 401 | 403) => AuthError::failed(
            "invalid_client",
            format!(
                "the request token endpoint {url} refused the signed request ({answer}): check the consumer \
                 key and secret (--client-id or {}, and {}) and that the callback URL is allowed for this \
                 app",
                file.client_id_env.as_deref().unwrap_or(super::provider::GENERIC_CLIENT_ID_ENV),
                file.client_secret_env.as_deref().unwrap_or(super::provider::GENERIC_CLIENT_SECRET_ENV),
            ),
        ),
        (Leg::AccessToken(commands), 400 | 401 | 403) => AuthError::failed(
            "invalid_verifier",
            format!(
                "the access token endpoint {url} refused the request token and verifier ({answer}): a request \
                 token works once and expires within minutes; nothing was stored; run `{}` again",
                commands.login
            ),
        ),
        _ => AuthError::failed("token_endpoint", format!("the {} endpoint {url} answered {answer}", leg.name())),
    })
}

fn parse_answer(body: &str) -> Map<String, Value> {
    if body.trim_start().starts_with('{') {
        if let Ok(Value::Object(map)) = gotowebinar::oauth::parse_preserving(body) {
            return map;
        }
    }
    url::form_urlencoded::parse(body.trim().as_bytes())
        .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// Twitter's documentation, "Creating a signature": the same keys, nonce and timestamp sign
    /// the status update, once for the 1.1 API and once for the 1 API its older version used.
    #[test]
    fn reproduces_the_signature_example_of_twitters_documentation() {
        let signer = Signer {
            consumer_key: "xvz1evFS4wEEPTGEFPHBog",
            consumer_secret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
            token: Some("370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"),
            token_secret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
        };
        let status = [("status", "Hello Ladies + Gentlemen, a signed OAuth request!")];
        let sign = |url: &str| {
            let params = signer
                .sign("POST", url, &[], &status, "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", "1318622958")
                .unwrap();
            assert_eq!(params.last().unwrap().0, "oauth_signature");
            params.last().unwrap().1.clone()
        };
        assert_eq!(
            sign("https://api.twitter.com/1.1/statuses/update.json?include_entities=true"),
            "hCtSmYh+iHYCEqBWrE7C7hYmtUk="
        );
        assert_eq!(
            sign("https://api.twitter.com/1/statuses/update.json?include_entities=true"),
            "tnnArxj06cWHq44gCs1OSKk/jLY="
        );

        // The intermediate values the documentation shows.
        let mut all = pairs(&[
            ("oauth_consumer_key", "xvz1evFS4wEEPTGEFPHBog"),
            ("oauth_nonce", "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "1318622958"),
            ("oauth_token", "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"),
            ("oauth_version", "1.0"),
        ]);
        all.extend(pairs(&status));
        let base =
            base_string("post", "https://api.twitter.com/1/statuses/update.json?include_entities=true", &all)
                .unwrap();
        assert_eq!(
            base,
            "POST&https%3A%2F%2Fapi.twitter.com%2F1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26\
             oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26\
             oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26\
             oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26\
             status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521"
        );
        assert_eq!(
            signing_key(signer.consumer_secret, signer.token_secret),
            "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw&LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"
        );
    }

    #[test]
    fn percent_encoding_keeps_only_unreserved_characters() {
        assert_eq!(encode("Ladies + Gentlemen"), "Ladies%20%2B%20Gentlemen");
        assert_eq!(encode("An encoded string!"), "An%20encoded%20string%21");
        assert_eq!(encode("Dogs, Cats & Mice"), "Dogs%2C%20Cats%20%26%20Mice");
        assert_eq!(encode("-._~azAZ09"), "-._~azAZ09");
        assert_eq!(encode("☃"), "%E2%98%83");
        assert_eq!(encode("*'()"), "%2A%27%28%29");
    }

    /// RFC 5849 section 3.4.1.3.2: repeated names sort by value; empty values stay.
    #[test]
    fn parameters_are_normalized_as_rfc_5849_shows() {
        let params = pairs(&[
            ("b5", "=%3D"),
            ("a3", "a"),
            ("c@", ""),
            ("a2", "r b"),
            ("oauth_consumer_key", "9djdj82h48djs9d2"),
            ("oauth_token", "kkk9d7dh3k39sjv7"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131201"),
            ("oauth_nonce", "7d8f3e4a"),
            ("c2", ""),
            ("a3", "2 q"),
        ]);
        assert_eq!(
            normalized_parameters(&params),
            "a2=r%20b&a3=2%20q&a3=a&b5=%3D%253D&c%40=&c2=&oauth_consumer_key=9djdj82h48djs9d2&\
             oauth_nonce=7d8f3e4a&oauth_signature_method=HMAC-SHA1&oauth_timestamp=137131201&\
             oauth_token=kkk9d7dh3k39sjv7"
        );
        let uri = |text: &str| base_string_uri(&url::Url::parse(text).unwrap());
        assert_eq!(uri("HTTP://Example.com:80/resource?id=123"), "http://example.com/resource");
        assert_eq!(uri("https://www.example.net:8080/?q=1"), "https://www.example.net:8080/");
        assert_eq!(uri("http://[::1]:9000/a%20b#frag"), "http://[::1]:9000/a%20b");
    }

    #[test]
    fn the_header_quotes_encoded_values_and_a_provider_file_is_checked() {
        let header = authorization_header(&pairs(&[
            ("oauth_callback", "http://127.0.0.1:1/cb"),
            ("oauth_signature", "a+b="),
        ]));
        assert_eq!(
            header,
            "OAuth oauth_callback=\"http%3A%2F%2F127.0.0.1%3A1%2Fcb\", oauth_signature=\"a%2Bb%3D\""
        );

        let value = serde_json::json!({
            "oauthVersion": "1.0a", "name": "birds", "requestTokenUrl": "https://b.example/oauth/request_token",
            "authorizeUrl": "https://b.example/oauth/authorize?force_login=true", "accessTokenUrl": "https://b.example/oauth/access_token"
        });
        let file = OAuth1File::from_value(value.clone(), "f").unwrap();
        assert_eq!(
            file.authorize_url("rt-1").unwrap(),
            "https://b.example/oauth/authorize?force_login=true&oauth_token=rt-1"
        );
        let mut missing = value.clone();
        missing.as_object_mut().unwrap().remove("accessTokenUrl");
        let err = OAuth1File::from_value(missing, "f").unwrap_err();
        assert!(err.message().contains("accessTokenUrl") && err.exit_code() == 2, "{err}");
        let mut bad = value;
        bad["requestTokenUrl"] = "ftp://b.example/rt".into();
        let err = OAuth1File::from_value(bad, "f").unwrap_err();
        assert!(err.message().contains("requestTokenUrl"), "{err}");
    }

    #[test]
    fn answers_are_read_form_encoded_or_json() {
        let map = parse_answer("oauth_token=t&oauth_token_secret=s%2B1&oauth_callback_confirmed=true\n");
        assert_eq!(map.get("oauth_token_secret"), Some(&Value::String("s+1".into())));
        let map = parse_answer(r#"{"oauth_token": "t", "oauth_token_secret": "s"}"#);
        assert_eq!(token_pair(&map, Leg::AccessToken(crate::TEST_COMMANDS), "e").unwrap().0, "t");
        let err = token_pair(&parse_answer("denied=1"), Leg::AccessToken(crate::TEST_COMMANDS), "https://e")
            .unwrap_err();
        assert!(err.message().contains("without oauth_token"), "{err}");
    }
}
