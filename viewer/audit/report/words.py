"""The report's words in the languages ``lightbox audit report --language`` offers.

The audit sits below the UI (no Qt, no translator files), so the Japanese is a table here,
keyed by the English the page is written in; it uses the desktop's terms
(``assets/translations/ja_glossary.py``: ドリフト確認中, 学習データと異なる画像, 閾値, 基準期間,
監査ログ, 装置, モダリティ) so a committee reads the same words the readers see. A text
without an entry stays English (a source's own note, a model's message): nothing is
guessed.
"""

from __future__ import annotations

LANGUAGES = ("en", "ja")

JA = {
    "AI drift report: {} to {}": "AI ドリフト報告書: {} – {}",
    "AI drift report {}": "AI ドリフト報告書 {}",
    "Sources": "監査ログの出典",
    "Alerts (the site's thresholds)": "アラート（施設の閾値）",
    "Plots": "グラフ",
    "Per week": "週ごと",
    "Input statistics per acquiring device": "撮影装置ごとの入力統計",
    "Warnings accepted by readers": "読影者が承認した警告",
    "No threshold crossed in the period.": "期間中に閾値を超えたものはありません。",
    "No warning was accepted in the period.": "期間中に承認された警告はありません。",
    "No audit log or export was given or found.":
        "監査ログもエクスポートも指定されず、見つかりませんでした。",
    "No AI run was recorded in the period in any verified source.":
        "検証済みのどの出典にも、期間中の AI 実行は記録されていません。",
    "No reference period was chosen (--reference): outputs are shown without one.":
        "基準期間が選ばれていません（--reference）: 出力は基準なしで示します。",
    "Reference period for the outputs: {} to {}.": "出力の基準期間: {} – {}。",
    "Made {} by Lightbox from {} audit source(s); {} AI run(s) counted.":
        "Lightbox が {} に作成、監査ログの出典 {} 件、AI 実行 {} 回を集計。",
    "Made {} by Lightbox from {} audit source(s); {} AI run(s) counted, {} record(s) found "
    "in more than one source counted once.":
        "Lightbox が {} に作成、監査ログの出典 {} 件、AI 実行 {} 回を集計（複数の出典にあった "
        "{} 件の記録は一度だけ集計）。",
    "{} run(s) were recorded by an older Lightbox without statistics: counted as runs "
    "only, in no input or output figure.":
        "{} 回の実行は統計を持たない旧版の Lightbox が記録したもの: 実行回数にのみ数え、"
        "入力・出力の統計には含めません。",
    "PSI: over the week's runs, each run's median PSI (p50: their median, p90: their 90th "
    "percentile). Shift and unlike: shares of the images.":
        "PSI: その週の各実行の PSI 中央値（p50: その中央値、p90: その90パーセンタイル）。"
        "ずれ・学習データと異なる: 画像に占める割合。",
    "file": "ファイル", "kind": "種類", "verified": "検証", "runs": "実行回数",
    "counted": "集計", "yes": "済み", "metric": "指標", "latest": "最新",
    "first week": "最初の週", "last week": "最後の週", "weeks": "週", "week": "週",
    "what": "内容", "value": "値", "threshold": "閾値",
    "with statistics": "統計あり", "frames": "画像数", "shift": "ずれ",
    "unlike": "学習データと異なる", "warnings accepted": "承認された警告",
    "device": "装置", "modality": "モダリティ", "warning": "警告",
}


def say(text: str, language: str) -> str:
    """``text`` in ``language`` where the table has it, else as it is."""
    return JA.get(text, text) if language == "ja" else text
