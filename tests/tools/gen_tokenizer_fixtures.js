#!/usr/bin/env node
// Generates tests/fixtures/tokenizer/cases.jsonl: the reference output of the
// Hugging Face `tokenizers` library (npm package `tokenizers`, Rust core)
// configured exactly as BertTokenizerFast for bert-base-chinese, minus the
// added/special-token matching (edgebert's Tokenizer has none):
//   BertNormalizer(clean_text, handle_chinese_chars, strip_accents, lowercase)
//   BertPreTokenizer
//   WordPiece(unk "[UNK]", continuing_subword_prefix "##",
//             max_input_chars_per_word 100)
// No post-processor: ids are without [CLS]/[SEP].
//
// Regenerate (needs network access to the npm registry once):
//   cd tests/tools && npm ci          # installs tokenizers from package-lock
//   node gen_tokenizer_fixtures.js [path/to/shared]
// Optional exhaustive Unicode check (see writeUnicodeTable):
//   node gen_tokenizer_fixtures.js --unicode-table /tmp/hf_unicode.tsv
//   EDGEBERT_HF_UNICODE_TABLE=/tmp/hf_unicode.tsv build/tests/tokenizer_test
// The shared dir (default ../../../shared relative to this file) provides
// data/vocab/bert-base-chinese-vocab.txt (copied to
// tests/fixtures/tokenizer/vocab.txt) and data/peoples_daily/example.dev
// (one char + tag per line, blank line between sentences; the chars of each
// sentence are joined into one test string).
//
// Output: one JSON object per line:
//   {"src": "pd"|"adv", "text": string, "ids": [int],
//    "offsets": [[start, end]] (code points into text, end exclusive),
//    "words": [int] (HF word id of each token)}
//
// Characters whose Unicode properties differ between HF's Rust crates
// (unicode_categories / unicode-normalization-alignments, Unicode ~9-era
// tables) and utf8proc 2.8 (Unicode 15) are deliberately NOT used in the
// adversarial strings; see the report in runtime/tokenizer/tokenizer.cc.
'use strict';

const fs = require('fs');
const path = require('path');
const tk = require('tokenizers');

const repo = path.resolve(__dirname, '..', '..');
const shared = path.resolve(
    (process.argv[2] && !process.argv[2].startsWith('--') && process.argv[2]) ||
    path.join(repo, '..', 'shared'));
const outDir = path.join(repo, 'tests', 'fixtures', 'tokenizer');

function loadVocab() {
  const src = path.join(shared, 'data', 'vocab', 'bert-base-chinese-vocab.txt');
  const text = fs.readFileSync(src, 'utf8');
  fs.mkdirSync(outDir, {recursive: true});
  fs.writeFileSync(path.join(outDir, 'vocab.txt'), text);
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const vocab = {};
  lines.forEach((piece, i) => { vocab[piece] = i; });
  return vocab;
}

function peoplesDailySentences() {
  const src = path.join(shared, 'data', 'peoples_daily', 'example.dev');
  const out = [];
  let cur = [];
  for (const line of fs.readFileSync(src, 'utf8').split('\n')) {
    const l = line.replace(/\r$/, '');
    if (l.trim() === '') {
      if (cur.length) out.push(cur.join(''));
      cur = [];
      continue;
    }
    cur.push(l.split(' ')[0]);
  }
  if (cur.length) out.push(cur.join(''));
  return out;
}

function adversarial() {
  const s = [];
  const add = (...xs) => s.push(...xs);
  const cp = (n) => String.fromCodePoint(n);
  // Empty and whitespace only.
  add('', ' ', '   ', '\t\n\r', '\u3000\u3000', ' a ', '  leading and trailing  ');
  // Every White_Space kind, alone and between letters.
  const ws = [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000,
              0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008,
              0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000];
  for (const w of ws) add(`ab${cp(w)}cd`);
  add(ws.map(cp).join(''), 'x' + ws.map(cp).join('y'));
  // Control / format chars (Cc, Cf), NUL, U+FFFD, BOM, ZW*.
  add('a\u0000b', '\u0000', '\u0000\u0000abc\u0000', 'a\ufffdb', '\ufffd',
      '\ufeffhello', 'he\u200bllo', 'zero\u200cwidth\u200djoiner',
      'a\u0001b\u001fc\u007fd', 'x\u0080y\u009fz', 'soft\u00adhyphen',
      'rtl\u200fmark\u200e', '\u2060word\u2061', 'a\u001cb\u001dc\u001ed',
      '\u0007\u0008\u001b[0m', 'tab\there', 'line\nbreak\r\nwindows',
      'bidi \u202aembed\u202c \u2066iso\u2069',
      '\ue000private\uf8ff', cp(0xf0000) + 'plane15');
  // Accents, combining marks, Vietnamese, NFD expansions.
  add('café', 'cafe\u0301', 'naïve résumé', 'ÀÉÎÕÜ àéîõü', 'Ångström',
      'Tiếng Việt có dấu', 'Nguyễn Thị Minh Khai', 'Hà Nội, Việt Nam',
      'ǅemal Ǆ ǆ', 'e\u0301\u0302\u0303\u0304', '\u0301\u0302leading marks',
      '\u0344\u0316x', 'a\u0316\u0301b', 'ḉ Ṩ ǖ', 'crème brûlée',
      'São Paulo ç Ç', 'Øresund æøå', 'Đà Nẵng', 'ﬁ ﬂ ﬃ ligatures',
      '\u0958\u0959 devanagari nukta', 'ñandú', 'Żółć gęślą jaźń');
  // Uppercase, special casing.
  add('İstanbul', 'İİİ', 'STRASSE ẞ ß', 'ΣΊΣΥΦΟΣ ΟΔΥΣΣΕΥΣ', 'ǅ Ǉ ǈ',
      'HELLO WORLD', 'MiXeD CaSe', 'ΆΈΉ', 'ÉCOLE', 'ΐ ΰ', 'K Å Ω');
  // Full-width forms.
  add('ＡＢＣ１２３，', 'ｈｅｌｌｏ！', '（全角）［括号］', '１２３４５６７８９０',
      'ｶﾀｶﾅ半角', 'ＢＥＲＴ模型');
  // Emoji, ZWJ sequences, flags, skin tones, keycaps.
  add('😀', 'I ❤️ NY', '👨‍👩‍👧‍👦 family', '👍🏽 ok', '🇨🇳🇺🇸', '1️⃣ keycap',
      '🏳️‍🌈', 'smile😀smile', '🙂🙃😉');
  // Mixed scripts.
  add('Привет, мир!', 'ΑΒΓ αβγ Ελληνικά', 'مرحبا بالعالم', 'สวัสดีครับ',
      '안녕하세요 세계', 'ひらがな カタカナ', 'こんにちは、世界。',
      '\u3400\u3401㐀 ext A', cp(0x20000) + cp(0x2a6d6) + ' ext B',
      cp(0x2a700) + cp(0x2b740) + cp(0x2b81d) + ' ext C D', '\uf900\ufa6d compat',
      cp(0x2f800) + ' compat sup', 'עברית שלום', 'ქართული', 'Հայերեն',
      'हिन्दी भाषा', 'தமிழ்', 'ພາສາລາວ', 'ខ្មែរ', 'ᚠᛇᚻ runes',
      'BERT模型在2019年发布', 'iPhone15和华为Mate60', 'COVID-19疫情',
      '中文English混合123', '北京大学Peking University');
  // Punctuation of many categories (ASCII, Pc Pd Ps Pe Pi Pf Po) and
  // symbols that are ASCII punctuation but not Unicode P* ($+<=>^`|~).
  add('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~', 'a$b+c<d=e>f^g`h|i~j',
      '\u2010\u2011\u2012\u2013\u2014\u2015 dashes', '‘single’ “double”',
      '«guillemets» ‹single›', '¡Hola! ¿Qué?', '…‥', '§¶†‡•', '‰‱′″',
      '「日本」『引用』', '【括号】〔〕〈〉《》', '，。、；：？！',
      '﹏﹍_‿⁀', '¤¢£¥€₹', '©®™', '±×÷√∞', '°℃℉', '←↑→↓', '♠♣♥♦',
      'a—b–c', 'x_y_z', 'e.g., i.e.', "don't can't", 'http://example.com/a?b=c',
      'user@example.com', 'C++ C# F#', '@#$%', '؟،؛', '।॥', '՛՜՝', '׳״');
  // Digits.
  add('0123456789', '3.14159', '1,000,000', '٠١٢٣٤٥٦٧٨٩', '०१२३', '①②③',
      'Ⅰ Ⅱ Ⅲ Ⅻ', '½ ¼ ¾', 'x²+y³', '2024年3月15日', '12:30:45', '10%', '$99.99');
  // Unknown chars -> [UNK], and subword splits.
  add('unaffable', 'tokenization', 'supercalifragilisticexpialidocious',
      'The quick brown fox jumps over the lazy dog.', 'embeddings',
      'transformers are great', 'playing played plays', 'antidisestablishment',
      'xqzjvk', 'Ӂ ӂ Ԫ', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', '𝐁𝐨𝐥𝐝', 'ⓐⓑⓒ', '⌘⌥⇧', '𐍈𐌰 gothic');
  // Word lengths around max_input_chars_per_word (counted after
  // normalization).
  add('a'.repeat(99), 'a'.repeat(100), 'a'.repeat(101), 'ab'.repeat(60),
      'x' + 'é'.repeat(99), 'x' + 'é'.repeat(100), 'e\u0301'.repeat(100),
      'e\u0301'.repeat(101), '한'.repeat(33), '한'.repeat(34),
      'İ'.repeat(100), 'İ'.repeat(101), 'a'.repeat(101) + ' ok',
      'ok ' + 'b'.repeat(100) + '!' + 'c'.repeat(101) + ' 中',
      'a\u0000'.repeat(101), 'a\u200b'.repeat(101), '中'.repeat(150));
  // Mixtures of everything.
  add('  Héllo,\tWÖRLD!\u00a0中文\u200b测试😀\u0000end  ',
      '[CLS] [SEP] [UNK] [MASK]', '##', '## ##a', '#hashtag', 'a##b',
      '\u0301', '\u0301\u0301', ' \u0301 ', '中\u0301文', 'é中e\u0301',
      '\ufffd\u0000\u0001', 'Ａ\u0301Ｂ', '\u00a0\u00a0x\u00a0\u00a0');
  // CJK Ext E below U+2B920 is not padded by HF (its range starts at
  // 2B920), Ext F is not padded at all; compat ideographs NFD-decompose.
  add('a' + cp(0x2b820) + 'b' + cp(0x2b91f) + 'c' + cp(0x2b920) + 'd',
      'x' + cp(0x2ceb0) + 'y', '\uf900\uf901x\ufa6dy', cp(0x2f800) + 'z');
  // Canonical reordering keeps non-Mn marks (Mc with ccc > 0).
  add('a' + cp(0x1d16d) + cp(0x1d165) + 'b', cp(0x1d15f) + cp(0x1d16d),
      'q' + cp(0x1d165) + '\u0301' + cp(0x1d16d) + '\u0316',
      '\u0915\u093c\u094d x \u0958\u094d');
  // Deterministic random code points (all planes, assigned or not), minus
  // surrogates and the documented Unicode-version divergences.
  let seed = 20240607;
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const skip = divergentCodePoints();
  for (let k = 0; k < 60; k++) {
    let t = '';
    for (let j = 0; j < 12; j++) {
      const r = rnd();
      let c = r < 0.5 ? Math.floor(rnd() * 0x3000) :
              r < 0.8 ? Math.floor(rnd() * 0x10000) :
                        Math.floor(rnd() * 0x110000);
      if ((c >= 0xd800 && c <= 0xdfff) || skip.has(c)) continue;
      t += String.fromCodePoint(c);
      if (rnd() < 0.2) t += ' ';
    }
    add(t);
  }
  return s;
}

function divergentCodePoints() {
  const f = path.join(outDir, 'unicode_divergences.tsv');
  const set = new Set();
  for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    set.add(parseInt(line.split('\t')[0], 16));
  }
  return set;
}

// Exhaustive per-code-point table (not committed, ~15 MB): for every scalar
// value c, "hex(c) TAB normalized(c) as space-separated hex TAB number of
// words of encode('x' + c + 'x')". tests/tokenizer_test.cc compares it with
// edgebert when EDGEBERT_HF_UNICODE_TABLE names the file.
async function writeUnicodeTable(tok, file) {
  const norm = tok.getNormalizer();
  const rows = [];
  const batch = [];
  const flush = async () => {
    const encs = await tok.encodeBatch(batch.map((c) => 'x' + c + 'x'));
    encs.forEach((e, i) => {
      const ch = batch[i];
      const words = e.getWordIds();
      const nw = words.length ? words[words.length - 1] + 1 : 0;
      const hex = Array.from(norm.normalizeString(ch))
                      .map((x) => x.codePointAt(0).toString(16)).join(' ');
      rows.push(`${ch.codePointAt(0).toString(16)}\t${hex}\t${nw}`);
    });
    batch.length = 0;
  };
  for (let c = 0; c <= 0x10ffff; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    batch.push(String.fromCodePoint(c));
    if (batch.length === 8192) await flush();
  }
  await flush();
  fs.writeFileSync(file, rows.join('\n') + '\n');
  console.log(`wrote ${rows.length} code points to ${file}`);
}

async function main() {
  const vocab = loadVocab();
  const model = tk.WordPiece.init(vocab, {
    unkToken: '[UNK]',
    continuingSubwordPrefix: '##',
    maxInputCharsPerWord: 100,
  });
  const tok = new tk.Tokenizer(model);
  tok.setNormalizer(tk.bertNormalizer({
    cleanText: true,
    handleChineseChars: true,
    stripAccents: true,
    lowercase: true,
  }));
  tok.setPreTokenizer(tk.bertPreTokenizer());

  const ti = process.argv.indexOf('--unicode-table');
  if (ti > 0) {
    await writeUnicodeTable(tok, process.argv[ti + 1]);
    return;
  }

  const cases = [];
  for (const t of peoplesDailySentences()) cases.push(['pd', t]);
  for (const t of adversarial()) cases.push(['adv', t]);

  const lines = [];
  for (const [src, text] of cases) {
    const e = await tok.encode(text);
    lines.push(JSON.stringify({
      src,
      text,
      ids: e.getIds(),
      offsets: e.getOffsets(),
      words: e.getWordIds(),
    }));
  }
  fs.writeFileSync(path.join(outDir, 'cases.jsonl'), lines.join('\n') + '\n');
  const nAdv = cases.filter((c) => c[0] === 'adv').length;
  console.log(`wrote ${lines.length} cases (${nAdv} adversarial) to ` +
              path.relative(repo, path.join(outDir, 'cases.jsonl')));
}

main().catch((e) => { console.error(e); process.exit(1); });
