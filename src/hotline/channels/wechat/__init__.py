"""WeChat official-account adapter: signature check, XML parsing, MsgId dedup, outbound client."""
