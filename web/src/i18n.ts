// The page's few words in English and Japanese (the desktop's terms, from
// assets/translations/ja_glossary.py, where it has them). Japanese when the browser's
// first language is ja.

const JA: Record<string, string> = {
  "Studies": "検査",
  "Series": "シリーズ",
  "AI models": "AIモデル",
  "Run in browser": "ブラウザで実行",
  "Run on service": "サービスで実行",
  "Run anyway": "それでも実行",
  "Don't run": "実行しない",
  "Outside the model's intended use": "モデルの使用目的外",
  "Demonstration model — not for clinical use": "デモ用モデル — 臨床使用不可",
  "in this browser ({})": "このブラウザで実行（{}）",
  "on the service ({})": "サービスで実行（{}）",
  "Reset view": "表示をリセット",
  "Choose a series on the left to view it.": "左のシリーズを選ぶと画像を表示します。",
  "Zoom in": "拡大",
  "Zoom out": "縮小",
  "Window presets": "ウィンドウプリセット",
  "File window": "ファイルのウィンドウ",
  "Frame {} / {}": "画像 {} / {}",
  "W: {} L: {}": "WW: {} WL: {}",
  "Zoom: {}%": "ズーム: {}%",
  "Loading {} / {} images": "読み込み中 {} / {} 画像",
  "{} images loaded": "{} 画像を読み込みました",
  "{} / {} images kept in memory (the nearest)": "{} / {} 画像をメモリに保持（近いものから）",
  "No studies on the service.": "サービスに検査がありません。",
  "No series in this study.": "この検査にシリーズがありません。",
  "No AI models are installed.": "AIモデルがインストールされていません。",
  "not verified: {}": "未検証: {}",
  "Running AI · {}…": "AI · {} を実行中…",
  "AI · {} failed: {}": "AI · {} が失敗しました: {}",
  "The service asks for an API key: {}": "サービスがAPIキーを求めています: {}",
  "the key has characters no key has ({}): type or paste it again":
    "キーに使えない文字が含まれています（{}）: もう一度入力するか貼り付けてください",
  "API key": "APIキー",
  "Send": "送信",
  "Cancel": "キャンセル",
  "images": "画像",
  "Patient": "患者",
  "Date": "日付",
  "Description": "説明",
  "Modalities": "モダリティ",
  "Remove AI overlays": "AIオーバーレイを消去",
  "Show AI overlays (A)": "AIオーバーレイを表示 (A)",
  "AI results hidden · press A to show": "AI結果は非表示・Aキーで表示",
  "Opacity": "不透明度",
  " · 1 finding": " · 所見 1 件",
  " · {} findings": " · 所見 {} 件",
  " (best {})": "（最高 {}）",
  "Hide patient identity": "患者情報を隠す",
  "(more on the node: narrow the search)": "（ノードにはさらにあります: 検索条件を絞ってください）",
  "⚠ Unlike the model's training data: ": "⚠ モデルの学習データと異なる画像: ",
  "PACS search": "PACS検索",
  "Node": "ノード",
  "Patient name": "患者名",
  "Patient ID": "患者ID",
  "Study date": "検査日",
  "Modality": "モダリティ",
  "Search": "検索",
  "Local studies": "ローカルの検査",
  "on {}: click to retrieve": "{} 上・クリックで取得",
  "Retrieving the study from {}…": "{} から検査を取得中…",
  "Study received from {}: {} images": "{} から検査を受信しました: {} 画像",
  "On {}: {} studies found": "{} 上で {} 件の検査が見つかりました",
};

let japanese = false;

/** Pick the language once from the browser's (tests may force it). */
export function setLanguage(lang: string | undefined): void {
  japanese = (lang ?? "").toLowerCase().startsWith("ja");
}

if (typeof navigator !== "undefined") setLanguage(navigator.language);

export function isJapanese(): boolean {
  return japanese;
}

/** The text in the page's language, each "{}" replaced by the next argument. */
export function t(text: string, ...args: (string | number)[]): string {
  let out = japanese ? (JA[text] ?? text) : text;
  for (const a of args) out = out.replace("{}", String(a));
  return out;
}

/** For a test: the dictionary's English keys and their Japanese. */
export const dictionary: Readonly<Record<string, string>> = JA;
