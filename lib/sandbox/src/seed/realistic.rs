//! The built-in realistic seed: what the sandbox serves when no `--seed FILE` is given.

use serde_json::json;

use super::SeedData;

impl SeedData {
    /// The built-in seed: one account and organizer, three upcoming webinars (one with custom
    /// questions), one past webinar with sessions, attendees, polls, questions and surveys, one webinar
    /// in session, and a few registrants.
    pub fn realistic() -> Self {
        let value = json!({
            "account": {"key": "3957458926893454862", "name": "Northwind Events"},
            "organizers": [{
                "key": "10208180301458787589",
                "email": "morgan.lee@northwind.example",
                "firstName": "Morgan",
                "lastName": "Lee",
                "locale": "en_US",
                "timeZone": "America/New_York"
            }],
            "webinars": [
                {
                    "key": "24576065432313123456",
                    "subject": "Product Launch Q&A",
                    "description": "Meet the team behind the spring release and bring your questions.",
                    "times": [{"start": "now+2d", "end": "now+2d1h"}],
                    "questions": [
                        {"question": "What would you like us to cover?", "type": "shortAnswer", "maxSize": 256},
                        {"question": "How did you hear about us?", "type": "multipleChoice", "required": true,
                         "answers": ["Email", "Social media", "A colleague"]}
                    ],
                    "registrants": [
                        {"firstName": "Ada", "lastName": "Byron", "email": "ada.byron@example.com",
                         "registrationDate": "now-2d",
                         "responses": [{"question": "How did you hear about us?", "answer": "Email"}]},
                        {"firstName": "Grace", "lastName": "Hopper", "email": "grace.hopper@example.com",
                         "registrationDate": "now-1d",
                         "details": {"organization": "Navy Labs", "jobTitle": "Rear Admiral"},
                         "responses": [{"question": "How did you hear about us?", "answer": "A colleague"},
                                       {"question": "What would you like us to cover?", "answer": "Pricing"}]}
                    ]
                },
                {
                    "key": "12345678901234567890",
                    "subject": "Onboarding Series",
                    "description": "Two sessions to get new customers started.",
                    "type": "series",
                    "times": [{"start": "now+5d", "end": "now+5d1h"}, {"start": "now+12d", "end": "now+12d1h"}],
                    "registrants": [
                        {"firstName": "Alan", "lastName": "Turing", "email": "alan.turing@example.com",
                         "registrationDate": "now-3h"}
                    ]
                },
                {
                    "key": "8914733297516347393",
                    "subject": "Monthly Customer Roundtable",
                    "times": [{"start": "now+20d", "end": "now+20d1h30m"}]
                },
                {
                    "key": "31245098712345678901",
                    "subject": "Spring Release Walkthrough",
                    "description": "A tour of everything new in the spring release.",
                    "times": [{"start": "now-7d", "end": "now-7d+1h"}],
                    "registrants": [
                        {"firstName": "Katherine", "lastName": "Johnson", "email": "katherine.johnson@example.com",
                         "registrationDate": "now-10d"},
                        {"firstName": "Edsger", "lastName": "Dijkstra", "email": "edsger.dijkstra@example.com",
                         "registrationDate": "now-9d"},
                        {"firstName": "Barbara", "lastName": "Liskov", "email": "barbara.liskov@example.com",
                         "registrationDate": "now-8d"}
                    ],
                    "sessions": [{
                        "start": "now-7d", "end": "now-7d+1h",
                        "attendees": [
                            {"email": "katherine.johnson@example.com", "join": "now-7d", "leave": "now-7d+55m",
                             "interestRating": 90,
                             "pollAnswers": [["Which feature matters most to you?", "Reports"]],
                             "surveyAnswers": [["How useful was this webinar?", "Very useful"]]},
                            {"email": "edsger.dijkstra@example.com", "join": "now-7d+5m", "leave": "now-7d+40m",
                             "interestRating": 70,
                             "pollAnswers": [["Which feature matters most to you?", "Integrations"]]}
                        ],
                        "polls": [{"question": "Which feature matters most to you?", "type": "single",
                                   "responses": [{"text": "Reports", "count": 1}, {"text": "Integrations", "count": 1},
                                                 {"text": "Mobile app", "count": 0}]}],
                        "questions": [{"question": "Is the new API backwards compatible?",
                                       "askedBy": "edsger.dijkstra@example.com",
                                       "answer": "Yes, v2 keeps every v1 field.",
                                       "answeredBy": "morgan.lee@northwind.example"}],
                        "surveys": [{"question": "How useful was this webinar?", "type": "single",
                                     "responses": [{"text": "Very useful", "count": 1}, {"text": "Somewhat", "count": 0}]}]
                    }]
                },
                {
                    "key": "15966072838194123456",
                    "subject": "Live: Office Hours",
                    "times": [{"start": "now-15m", "end": "now+45m"}],
                    "registrants": [
                        {"firstName": "Linus", "lastName": "Torvalds", "email": "linus.torvalds@example.com",
                         "registrationDate": "now-1d"}
                    ],
                    "sessions": [{"start": "now-15m", "end": "now+45m",
                                  "attendees": [{"email": "linus.torvalds@example.com", "join": "now-14m"}]}]
                }
            ],
            "recordingAssets": [
                {"name": "Spring Release Walkthrough (recording)", "description": "Edited recording",
                 "createTime": "now-6d"},
                {"name": "Onboarding basics", "createTime": "now-30d"}
            ]
        });
        // The built-in seed is a constant; a failure here is a bug caught by the crate's tests.
        serde_json::from_value(value).unwrap_or_else(|e| panic!("built-in seed is invalid: {e}"))
    }
}
