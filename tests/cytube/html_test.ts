import assert from "node:assert/strict";
import { decodeHtmlEntities, htmlToText, stripHtml } from "../../connectors/cytube/mod.ts";

Deno.test("named entities CyTube emits are decoded", () => {
  assert.equal(
    decodeHtmlEntities("&amp; &lt; &gt; &quot; &apos; &nbsp;|"),
    "& < > \" ' \u00a0|",
  );
});

Deno.test("CyTube's numeric escapes for quote and parentheses are decoded", () => {
  assert.equal(decodeHtmlEntities("it&#39;s &#40;fine&#41;"), "it's (fine)");
});

Deno.test("decimal and hex references decode, including astral characters", () => {
  assert.equal(decodeHtmlEntities("&#65;&#x42;&#X43; &#x1F600; &#128512;"), "ABC 😀 😀");
});

Deno.test("numeric references without a semicolon decode, as CyTube's decodeText allows", () => {
  assert.equal(decodeHtmlEntities("&#39s"), "'s");
});

Deno.test("decoding is a single pass: double-escaped text keeps one level", () => {
  assert.equal(decodeHtmlEntities("&amp;amp; &amp;lt;"), "&amp; &lt;");
});

Deno.test("unknown named entities are left alone, and entities decode as a browser does", () => {
  assert.equal(decodeHtmlEntities("AT&T &bogus; &amp"), "AT&T &bogus; &");
  assert.equal(decodeHtmlEntities("&hearts; &NotEqualTilde; &lpar;"), "\u2665 \u2242\u0338 (");
});

Deno.test("invalid code points become U+FFFD instead of lone surrogates", () => {
  assert.equal(decodeHtmlEntities("&#xD800;&#0;&#x110000;"), "\ufffd\ufffd\ufffd");
});

Deno.test("links keep their text, which CyTube sets to the URL", () => {
  const html = 'see <a href="https://x.org/a?b=1&amp;c=2" target="_blank">' +
    "https://x.org/a?b=1&amp;c=2</a> now";
  assert.equal(htmlToText(html), "see https://x.org/a?b=1&c=2 now");
});

Deno.test("a link with empty text keeps its href", () => {
  assert.equal(stripHtml('<a href="https://x.org"></a>'), "https://x.org");
});

Deno.test("the default chat filters' tags turn back into the markers typed; images keep their URL", () => {
  assert.equal(
    htmlToText(
      '<strong>bold</strong> <span class="spoiler">secret</span> <img src="https://i/e.png">',
    ),
    "*bold* [sp]secret[/sp] https://i/e.png",
  );
  assert.equal(htmlToText("snake<em>case</em>name"), "snake_case_name");
  assert.equal(htmlToText("<code>x</code> <s>y</s>"), "`x` ~~y~~");
});

Deno.test("escaped markup survives as text: tags are stripped before decoding", () => {
  assert.equal(htmlToText("hello &amp;amp; &lt;b&gt;"), "hello &amp; <b>");
});
