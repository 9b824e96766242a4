//! The public halves (modulus `n`, exponent `e`, base64url as a JWKS carries them) of the keys in
//! this folder, computed once from the PEMs so the shipped app needs no RSA arithmetic to publish
//! them. `tokens::tests::precomputed_public_keys_match_the_pems` checks them against the PEMs.
//! Regenerate with `openssl rsa -in KEY.pem -noout -modulus` (hex, to base64url).

/// (n, e) of `test-signing-key.pem`, `-2`, `-3`, in rollover order.
pub const KEY_PUBLIC: [(&str, &str); 3] = [
    (
        "xcI-YQEHzY0E8psStmn9u8VbQkvHbFVBOqhJ8HU8IHC4_rbtJdOO_Sx34XUQpjhIaVpEXZh2mP6ad0UENGkzVnLtUrh9ldLSkhx7X0MZSzcCf8cNoiDRovGY7WYL3FeMWIGB_4z2J3YiSc_PXC9G0u7rGQqMI2MsmxIubHdSIsOiD52D-URX0t7kcbmNn3Od7FEsrppxfLBwMKwWx3kvP3f3qoWvVaVFd4VbRJH6angZJs2bJoS7mI_Ozo74qqKV2nHPqnshCJqSwZCDt9ff8xNvhLqm0X35MVmrABu6lDHT190o4eeNwlWUu9osaOe350npIGIscAwVx9uL6uGeWQ",
        "AQAB",
    ),
    (
        "wGlLNtaBO4eqZc296sGn9oa8lb89E8JwOFhS-Y5hv--cWqC6B7lpEghZ6LBTtw6acnFRo5HGllHyeOz2BbFLj6riWGM92MNMPrDlk7IuTIW9g1JbyRoa9AOnOYZshWDuqGtEd31zoimqemY_le2coAepz_-78aKave-8PwJpzSJNJ5XLiWZss8Q2M40vbghGC0NnUH0Uavk17ZDVS_xi067iDSagf9c0P-sWX3LWtyoy1uheeOImz2_bJfPP8Jf7cvDTRakyvI9LmwXR3iqpJjCF58JLf_kcMbOwA-wIyb5XB0OOTo4FI6khm1t7qapsYLnoCRVf5OJUhOtKKIOJOQ",
        "AQAB",
    ),
    (
        "yMqrEaT_KtcCBXBv9pECo51x9qIgmlR0WyceKRepGGZ-PjWnXMZhLhGMOYfAiiY6aH1nmgJKGWUa2nLpyi6iCIi_JGd3Ecg4nmrt7tz9lgDe6YkuKGirCmy8ljhKwT9spM9dYuf4yxnpFLBnKBbXHy4G3i5LRjAMzQEvKFxe00-Goo_aQz_4sZBa2_9cmkIpS6GjE5T_Vv4iWjQX1cDGIwh2bxl6tr8X0nkgmxxG_34-QazFmCorik--RsCJgF-bLRKnC32mL5mg9e8We0hJjOM31r124-mdlSmWjzN3se7wVQYfdY4JYzeH2w6lh0y8Uk52VRE5xohnW_nOP_rrWQ",
        "AQAB",
    ),
];

/// (n, e) of `rogue-signing-key.pem`.
pub const ROGUE_PUBLIC: (&str, &str) = (
    "lEzMHG_HCjsriVqyz5nFDIB8-3Y-MEItvEA7em21QFqFuBuEAAHceR_V7A2-7s3BazEQALxEQaI8IjnA_QcTwqVjuERNc8EQnQCfjo3YX5TTzWCBTKiS_CDQcVYCUhj_BEhaCUAJNSGVFBeuwygWTMI8mD2AUK1f9CLW_5XRFUBtQ4RS3qQIebcHBrX1nDLKjIXf8EtkG4wIYUMWHO-rPV2N44K5FztbzeEGpgrc5HYSN8vmux5O0bnMLadk78oR4s5JGGKP5BShSTL5fINR82SK0iqWbTHukbGQrjp5UMzeLsnx_Dy2EwxIG5B2fzHYfMVl1uWFlfe-K-NHVsSXFQ",
    "AQAB",
);
