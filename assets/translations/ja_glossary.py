"""Japanese texts for lightbox_ja.ts, by English source (applied by fill_ts)."""
JA = {
"Outside the model's intended use": "モデルの使用目的外",
"Run anyway": "それでも実行", "Don't run": "実行しない",
"AI OUTPUT · DEMONSTRATION, NOT FOR CLINICAL USE": "AI出力・デモ用・臨床使用不可",
"AI OUTPUT": "AI出力",
"⚠ Outside intended use (accepted): ": "⚠ 使用目的外（承認済み）: ",
"AI results hidden · press A to show": "AI結果は非表示・Aキーで表示",
"Model card…": "モデルカード…", "Run on this image": "この画像で実行", "Run on series": "シリーズで実行",
"%v / %m images": "%v / %m 画像", "Cancel": "キャンセル",
"The AI models could not be loaded.": "AIモデルを読み込めませんでした。",
"No AI models are installed.": "AIモデルがインストールされていません。",
"Cancelling…": "キャンセル中…", "Display": "表示", "Show AI overlays  (A)": "AIオーバーレイを表示  (A)",
"Fill": "塗りつぶし", "Contour": "輪郭", "Masks": "マスク", "Mask opacity": "マスクの不透明度",
"Heatmap opacity": "ヒートマップの不透明度",
"The colour map of heatmaps (the model's card names its own)": "ヒートマップのカラーマップ（モデルカードに推奨あり）",
"Heatmap colours": "ヒートマップの配色", "Legend": "凡例", "This image": "この画像",
"Findings  (click one to go to its image)": "所見  （クリックで該当画像へ移動）",
"Clear AI results of this series": "このシリーズのAI結果を消去",
"Hide boxes scoring below this. The model's own threshold is the lowest: its version was validated with it.": "このスコア未満のボックスを隠します。下限はモデル既定の閾値です（このバージョンはその値で検証済み）。",
"Viewport": "ビューポート", "Application": "アプリケーション", "Left drag": "左ドラッグ",
"Middle drag": "中ドラッグ", "Right drag": "右ドラッグ", "Wheel": "ホイール", "Move": "移動",
"Drop files or folders": "ファイル・フォルダをドロップ",
"Use the active tool (window/level by default)": "選択中のツールを使用（既定はウィンドウ幅/レベル）",
"Pan": "パン", "Zoom (drag up to zoom in)": "ズーム（上へドラッグで拡大）",
"Scroll through slices (down: next)": "スライス送り（下: 次）",
"Show position and pixel value in the status bar": "位置と画素値をステータスバーに表示",
"Left drag: window/level (right: wider, down: higher level, darker)": "左ドラッグ: ウィンドウ幅/レベル（右: 幅を広く、下: レベルを上げて暗く）",
"Left drag: pan": "左ドラッグ: パン", "Left drag: zoom": "左ドラッグ: ズーム",
"Left drag: scroll through slices": "左ドラッグ: スライス送り",
"Measure distance (mm; px without pixel spacing)": "距離計測（mm、画素間隔がない場合は px）",
"Measure angle (drag the first arm to the vertex, click the second)": "角度計測（1本目を頂点までドラッグし、2本目をクリック）",
"Ellipse ROI: area, mean, SD, min, max (HU for CT)": "楕円ROI: 面積・平均・SD・最小・最大（CTはHU）",
"Rectangle ROI: area, mean, SD, min, max (HU for CT)": "矩形ROI: 面積・平均・SD・最小・最大（CTはHU）",
"Delete the selected measurement (or right-click it)": "選択した計測を削除（または右クリック）",
"Previous slice": "前のスライス", "Next slice": "次のスライス",
"Back 10% of the stack": "スタックの10%戻る", "Forward 10% of the stack": "スタックの10%進む",
"First slice": "最初のスライス", "Last slice": "最後のスライス",
"Play / pause cine": "シネ再生 / 一時停止", "Fit image to window": "画像をウィンドウに合わせる",
"Actual size (1 image pixel = 1 screen pixel)": "等倍表示（画像1画素 = 画面1画素）",
"The file's own window (press again for its next one, if several)": "ファイル指定のウィンドウ（複数あれば再押下で次へ）",
"Window preset 1-9 (listed in View > Window presets)": "ウィンドウプリセット 1〜9（表示 > ウィンドウプリセットに一覧）",
"Invert grey levels": "白黒反転", "Rotate 90 degrees clockwise": "時計回りに90度回転",
"Flip horizontally": "左右反転", "Flip vertically": "上下反転",
"Show / hide annotations (corner text, orientation, scale)": "注釈の表示 / 非表示（四隅の文字、方向、スケール）",
"Show / hide all AI overlays (masks, boxes, heatmaps)": "すべてのAIオーバーレイの表示 / 非表示（マスク、ボックス、ヒートマップ）",
"Reset: fit, file window, no rotation, flip or invert": "リセット: 全体表示、ファイルのウィンドウ、回転・反転なし",
"MPR: left click / drag moves the crosshair (W, T, Z, S: other tools)": "MPR: 左クリック / ドラッグで十字カーソルを移動（W, T, Z, S: 他のツール）",
"Layout 1 × 1": "レイアウト 1 × 1", "Layout 1 × 2 (side by side)": "レイアウト 1 × 2（左右に並べる）",
"Layout 2 × 1 (one above the other)": "レイアウト 2 × 1（上下に並べる）", "Layout 2 × 2": "レイアウト 2 × 2",
"Make the next viewport active": "次のビューポートをアクティブにする",
"Drag a series from the browser onto a viewport to show it there": "ブラウザからシリーズをビューポートへドラッグして表示",
"Link scrolling by slice position (same frame of reference)": "スライス位置で連動スクロール（同一座標系）",
"Link window/level between viewports of the same modality": "同じモダリティのビューポート間でウィンドウ幅/レベルを連動",
"MPR: axial, coronal and sagittal planes of the active series (again: close)": "MPR: アクティブなシリーズの横断・冠状断・矢状断（再度押すと閉じる）",
"MPR thick slab: off, MIP, MinIP, average (in turn)": "MPR厚スラブ: オフ、MIP、MinIP、平均（順に切替）",
"MPR: show / hide the crosshair lines": "MPR: 十字線の表示 / 非表示",
"Open files...": "ファイルを開く...", "Open folder...": "フォルダを開く...", "Open DICOMDIR...": "DICOMDIRを開く...",
"Open the dropped files or folders": "ドロップしたファイル・フォルダを開く",
"Hide patient identity": "患者情報を隠す", "Show DICOM tags of the current image": "現在の画像のDICOMタグを表示",
"Save a screenshot of the viewport (PNG)...": "ビューポートのスクリーンショットを保存（PNG）...",
"Export the series as de-identified DICOM...": "シリーズを匿名化DICOMとして書き出し...",
"Export measurements (CSV or JSON)...": "計測値を書き出し（CSV または JSON）...",
"Keyboard and mouse shortcuts": "キーボードとマウスのショートカット", "Quit": "終了",
"Lightbox": "Lightbox", "Identity hidden": "患者情報非表示", "ID: {}": "ID: {}", "Born: {}": "生年月日: {}",
"Se: {}": "Se: {}", "Se:": "Se:", "Im: {} / {}": "画像: {} / {}", "Loc: {:.1f} mm": "位置: {:.1f} mm",
"Thick: {:g} mm": "厚さ: {:g} mm", "W: {:.0f} L: {:.0f}": "WW: {:.0f} WL: {:.0f}", "Zoom: {:.0f}%": "ズーム: {:.0f}%",
"Inverted": "白黒反転", "Save screenshot": "スクリーンショットを保存",
"Include annotations and measurements (corner text, orientation, scale bar)": "注釈と計測を含める（四隅の文字、方向、スケールバー）",
"Save screenshot…": "スクリーンショットを保存…", "Export series (de-identified)…": "シリーズを書き出し（匿名化）…",
"Export measurements…": "計測値を書き出し…", "&Measure": "計測(&M)", "Window/level (end measuring)": "ウィンドウ幅/レベル（計測終了）",
"Delete selected measurement": "選択した計測を削除", "Nothing to save: open an image first.": "保存するものがありません。先に画像を開いてください。",
"No measurements to export: draw one first (Measure menu).": "書き出す計測がありません。先に計測してください（計測メニュー）。",
"Export measurements": "計測値を書き出し", "Nothing to export: open a series first.": "書き出すものがありません。先にシリーズを開いてください。",
"Only DICOM series can be exported as de-identified DICOM.": "匿名化DICOMとして書き出せるのはDICOMシリーズのみです。",
"Export series (de-identified) to a new folder": "シリーズを新しいフォルダへ書き出し（匿名化）",
"Lightbox shortcuts": "Lightbox ショートカット", "Keys / mouse": "キー / マウス", "Action": "操作",
"Viewport keys work when the image has keyboard focus (click it).": "ビューポートのキーは画像にフォーカスがあるときに有効です（画像をクリック）。",
"Drag a series here from the Studies list": "検査一覧からシリーズをここへドラッグ",
"Studies": "検査", "Problems": "問題", "AI": "AI", "Images %v / %m": "画像 %v / %m", "Scanning %v / %m": "走査中 %v / %m",
"⚠ Larger than the image cache": "⚠ 画像キャッシュより大きい", "&File": "ファイル(&F)",
"Open files…": "ファイルを開く…", "Open folder…": "フォルダを開く…", "Open DICOMDIR…": "DICOMDIRを開く…",
"&Edit": "編集(&E)", "Preferences…": "環境設定…", "&View": "表示(&V)", "Window presets": "ウィンドウプリセット",
"Fit to window": "ウィンドウに合わせる", "Actual size (1:1)": "等倍表示（1:1）", "Rotate 90° clockwise": "時計回りに90°回転",
"Flip horizontal": "左右反転", "Flip vertical": "上下反転", "Reset view": "表示をリセット", "Invert": "白黒反転",
"Annotations": "注釈", "AI overlays": "AIオーバーレイ", "Tag browser…": "タグブラウザ…", "&Help": "ヘルプ(&H)",
"About Lightbox": "Lightbox について", "Your key bindings were not applied: {}": "キー設定は適用されませんでした: {}",
"Lightbox started with safe settings because of a problem in its configuration:": "設定ファイルに問題があるため、Lightbox は安全な設定で起動しました:",
"Scanning {}…": "{} を走査中…", "Scan cancelled": "走査をキャンセルしました",
"Showing {} while the rest is scanned; the series opens sorted when the scan is done": "残りを走査中のため {} を表示しています。走査が終わるとシリーズが並べ替えられて開きます",
"Nothing to display in {}: no DICOM files or images were found.": "{} に表示できるものはありません。DICOMファイルや画像が見つかりませんでした。",
"{} file(s) could not be used, see Problems.": "{} 件のファイルを使用できませんでした（「問題」を参照）。",
", {} problem(s)": "、問題 {} 件", "Found {} study(ies), {} series": "{} 検査、{} シリーズが見つかりました",
"This series needs {:.1f} MB, more than the image cache ({:.1f} MB): images far from the one shown are read again when needed.": "このシリーズには {:.1f} MB 必要で、画像キャッシュ（{:.1f} MB）を超えています。表示中から離れた画像は必要に応じて再読込されます。",
"Open files": "ファイルを開く", "Open folder": "フォルダを開く", "Open DICOMDIR": "DICOMDIRを開く",
"Unnamed": "氏名なし", "File window": "ファイルのウィンドウ", "Off": "オフ", "Average": "平均",
"Reading the series for MPR…": "MPR用にシリーズを読込中…", "Slab: {}": "スラブ: {}", "MPR": "MPR",
"Thick slab: combine the planes within the slab thickness": "厚スラブ: スラブ厚内の断面を合成",
"Crosshair": "十字カーソル", "Reading slices %v / %m": "スライス読込中 %v / %m", "Close MPR": "MPRを閉じる", "Slab": "スラブ",
"File": "ファイル", "Reason": "理由", "DICOM tags": "DICOMタグ", "No object selected": "オブジェクトが選択されていません",
"Filter by tag (0010,0010 or 00100010), keyword or value": "タグ（0010,0010 または 00100010）、キーワード、値で絞り込み",
"Open a study: File > Open, or drop files or folders here": "検査を開く: ファイル > 開く、またはここにファイル・フォルダをドロップ",
"No image to display": "表示する画像がありません", "Cannot display this image.": "この画像は表示できません。",
"Layout": "レイアウト", "Next viewport": "次のビューポート", "Link scrolling by position": "位置でスクロールを連動",
"Link window/level": "ウィンドウ幅/レベルを連動", "&MPR": "MPR(&R)", "MPR (axial, coronal, sagittal)": "MPR（横断・冠状断・矢状断）",
"Next thick-slab mode": "次の厚スラブモード", "Crosshair tool (left button)": "十字カーソルツール（左ボタン）",
"Show / hide crosshair lines": "十字線の表示 / 非表示", "Open a CT or MR series first, then choose MPR.": "先にCTまたはMRのシリーズを開いてから、MPRを選んでください。",
"Preferences": "環境設定", "Language": "言語", "A new language applies when Lightbox is restarted.": "言語の変更は Lightbox の再起動後に反映されます。",
"Hide patient identity when Lightbox starts": "起動時に患者情報を隠す", "Keys (comma-separated)": "キー（カンマ区切り）",
"Set by your IT department": "IT部門により設定されています", "Keyboard shortcuts": "キーボードショートカット",
"A key is bound twice: {}": "同じキーが二重に割り当てられています: {}",
}

# Error framing, file problems, browser, tag browser, exports, measurements, preferences.
JA.update({
"Unexpected error while {}: {}": "{}中に予期しないエラーが発生しました: {}",
"Unexpected error: {}": "予期しないエラー: {}",
"decoding an image": "画像のデコード", "rendering an image": "画像の描画",
"scanning": "ファイルの走査", "opening a series": "シリーズを開く処理",
"opening a dropped series": "ドロップされたシリーズを開く処理",
"showing tags": "タグの表示", "making a thumbnail": "サムネイルの作成",
"building the MPR volume": "MPRボリュームの構築", "exporting a series": "シリーズの書き出し",
"running a model": "モデルの実行", "verifying the AI models": "AIモデルの検証",
"no image to display": "表示できる画像なし", "1 image": "1 画像", "{} images": "{} 画像",
"position": "位置", "instance number": "インスタンス番号", "file order": "ファイル順",
"{}, {}, ordered by {}": "{}、{}、{}で並べ替え", "Warnings:": "警告:",
"the log folder": "ログフォルダー",
"{} more unexpected error(s) since; their reports are in {}.":
    "その後さらに {} 件の予期しないエラーが発生しました。レポートは {} にあります。",
"A report was saved to:\n{}": "レポートを保存しました:\n{}",
"No report could be saved (see the application log).":
    "レポートを保存できませんでした（アプリケーションログを参照してください）。",
"Lightbox hit an unexpected error ({}).": "Lightbox で予期しないエラーが発生しました（{}）。",
"You can keep working. If something looks wrong, restart Lightbox. Please send the report to your IT support; it holds no patient data.":
    "このまま作業を続けられます。表示がおかしい場合は Lightbox を再起動してください。"
    "レポートを IT サポートへ送ってください（患者情報は含まれません）。",
"Window/level": "ウィンドウ幅/レベル", "Zoom": "ズーム", "Scroll": "スクロール",
"Distance": "距離", "Angle": "角度", "Ellipse ROI": "楕円ROI", "Rectangle ROI": "矩形ROI",
"Tool: {}": "ツール: {}",
"Cannot save {}: the image could not be encoded.": "{} を保存できません: 画像をエンコードできませんでした。",
"Saved {}": "{} を保存しました", "PNG image (*.png)": "PNG 画像 (*.png)",
"Exported {} measurement(s) to {}": "{} 件の計測を {} に書き出しました",
"Exporting {} file(s)…": "{} ファイルを書き出し中…",
"Exported {} de-identified file(s) to {}": "匿名化した {} ファイルを {} に書き出しました",
"at detector": "検出器面", "distance": "距離", "angle": "角度", "ellipse": "楕円",
"rectangle": "矩形", "Area {:.1f} {}": "面積 {:.1f} {}",
"Mean {:.1f} SD {:.1f}": "平均 {:.1f} SD {:.1f}", "Min {:g} Max {:g}": "最小 {:g} 最大 {:g}",
"Delete {}": "{}を削除", "MPR · {}": "MPR・{}", "series": "シリーズ",
"Patient identity (top left)": "患者情報（左上）",
"Study description and date": "検査の説明と検査日",
"Series number and description": "シリーズ番号と説明",
"Image number, position and thickness": "画像番号・位置・スライス厚",
"Window, zoom and inversion": "ウィンドウ・ズーム・反転",
"The file's own window": "ファイル指定のウィンドウ", "{} opens with": "{} の初期ウィンドウ",
"Corner text shown on images": "画像の四隅に表示する情報",
"Your preferences were not saved: {}": "設定を保存できませんでした: {}",
"not a DICOM file": "DICOM ファイルではありません",
"not a DICOM file or supported image": "DICOM ファイルでも対応画像形式でもありません",
"not a DICOM file (or badly damaged)": "DICOM ファイルではありません（または大きく破損しています）",
"file is empty": "ファイルが空です",
"file is truncated (header incomplete)": "ファイルが途中で切れています（ヘッダーが不完全）",
"file is truncated (pixel data incomplete)": "ファイルが途中で切れています（画素データが不完全）",
"file is truncated or damaged (less pixel data than the image size needs)":
    "ファイルが途中で切れているか破損しています（画素データが画像サイズより不足）",
"file holds no DICOM data (only a file meta header)":
    "DICOM データがありません（ファイルメタヘッダーのみ）",
"no image to display (this object holds no pixels)": "表示できる画像がありません（画素データを含まないオブジェクト）",
"Bits Allocated is {} (1, 8, 16, 32 or 64 are possible): the header contradicts the image data, so it is not shown":
    "Bits Allocated が {} です（1、8、16、32、64 のみ可能）: ヘッダーが画像データと矛盾しているため表示しません",
"Bits Stored ({}) does not fit in Bits Allocated ({}): the header contradicts the image data, so it is not shown":
    "Bits Stored（{}）が Bits Allocated（{}）に収まりません: ヘッダーが画像データと矛盾しているため表示しません",
"High Bit is {} where Bits Stored ({}) needs {}: the header contradicts the image data, so it is not shown":
    "High Bit が {} ですが、Bits Stored（{}）では {} のはずです: ヘッダーが画像データと矛盾しているため表示しません",
"Pixel Representation is {} (0 or 1 are possible): the header contradicts the image data, so it is not shown":
    "Pixel Representation が {} です（0 または 1 のみ可能）: ヘッダーが画像データと矛盾しているため表示しません",
"{} samples per pixel do not fit {} (it has {}): the header contradicts the image data, so it is not shown":
    "サンプル数 {} は {} に合いません（{} が必要）: ヘッダーが画像データと矛盾しているため表示しません",
"the pixel data holds {} bytes where the header describes {}: the header contradicts the image data, so it is not shown":
    "画素データは {} バイトですが、ヘッダーの記述は {} バイトです: ヘッダーが画像データと矛盾しているため表示しません",
"the compressed image is {}×{} where the header says {}×{}: the header contradicts the image data, so it is not shown":
    "圧縮画像は {}×{} ですが、ヘッダーは {}×{} としています: ヘッダーが画像データと矛盾しているため表示しません",
"the compressed image has {} samples per pixel where the header says {}: the header contradicts the image data, so it is not shown":
    "圧縮画像の 1 画素あたりのサンプル数は {} ですが、ヘッダーは {} としています: ヘッダーが画像データと矛盾しているため表示しません",
"the compressed image has {}-bit samples where Bits Allocated is {}: the header contradicts the image data, so it is not shown":
    "圧縮画像のサンプルは {} ビットですが、Bits Allocated は {} です: ヘッダーが画像データと矛盾しているため表示しません",
"Segmentation (1 segment): open its images to see it":
    "セグメンテーション（1 セグメント）: 表示するには元の画像を開いてください",
"Segmentation ({} segments): open its images to see it":
    "セグメンテーション（{} セグメント）: 表示するには元の画像を開いてください",
"image is too large to open safely": "画像が大きすぎるため安全に開けません",
"image is too large for the available memory": "画像が大きすぎて使用可能なメモリーに収まりません",
"image data is truncated or damaged": "画像データが途中で切れているか破損しています",
"damaged: pixel data without image size (Rows, Columns or Bits Allocated missing)":
    "破損: 画像サイズのない画素データ（Rows、Columns または Bits Allocated がありません）",
"cannot be read ({})": "読み込めません（{}）", "cannot be opened ({})": "開けません（{}）",
"images compressed as {} cannot be decoded (no decoder installed)":
    "{} で圧縮された画像はデコードできません（デコーダーが未インストール）",
"the {} image data is damaged and cannot be decoded": "{} の画像データが破損しておりデコードできません",
"the image data cannot be read ({})": "画像データを読み込めません（{}）",
"images have {} different sizes": "画像サイズが {} 種類混在しています",
"mixed orientations ({} different image planes)": "画像の向きが混在しています（{} 種類の断面）",
"uneven slice spacing ({} to {} mm)": "スライス間隔が不均一です（{}～{} mm）",
"{} slice position(s) occur more than once (duplicates, or several acquisitions in one series)":
    "{} か所のスライス位置が重複しています（重複画像、または 1 シリーズ内に複数回の撮像）",
"missing slices? {} gap(s) up to {} mm where {} mm is typical (about {} slice(s) missing)":
    "スライス欠損の可能性: 通常 {2} mm 間隔のところ最大 {1} mm の隙間が {0} か所（約 {3} スライス欠損）",
"gantry tilt or sheared stack: slices are offset {}° from their normal (3-D views and measurements across slices may be distorted)":
    "ガントリー傾斜またはずれのあるスタック: スライスが法線から {}° ずれています"
    "（3D 表示とスライスをまたぐ計測が歪む可能性があります）",
"Number of Frames is invalid; the frame count was taken from the pixel data size":
    "Number of Frames が不正なため、フレーム数を画素データのサイズから求めました",
"(hidden)": "（非表示）", "{} item(s)": "{} 項目", "<{} bytes>": "<{} バイト>",
"Tag": "タグ", "Name": "名前", "VR": "VR", "Value": "値",
"No DICOM header to show": "表示する DICOM ヘッダーがありません",
"Item {}": "項目 {}", "value {:g}": "値 {:g}",
})

# MPR refusals (the core's English, translated by viewer/ui/problem_text.py).
JA.update({
"MPR needs a stack of at least {} slices; {} has {}.":
    "MPR には {} 枚以上のスライスが必要です。{} は {} 枚です。",
"MPR works on grey-scale CT or MR stacks; {} is in colour.":
    "MPR はグレースケールの CT・MR スタックのみ対象です。{} はカラー画像です。",
"MPR cannot stack {}: its images have different sizes.":
    "{} は MPR を構築できません: 画像サイズが異なります。",
"MPR cannot place {} in 3-D: some images lack their position, orientation or pixel spacing.":
    "{} を 3D 空間に配置できません: 位置・向き・画素間隔のない画像があります。",
"MPR cannot stack {}: its images lie in different planes (mixed orientations, e.g. a localiser). Open a series with one plane.":
    "{} は MPR を構築できません: 断面の異なる画像が混在しています（位置決め画像など）。"
    "単一断面のシリーズを開いてください。",
"MPR cannot stack {}: some slice positions occur twice (duplicates or several acquisitions in one series).":
    "{} は MPR を構築できません: スライス位置が重複しています（重複画像、または 1 シリーズ内に複数回の撮像）。",
"MPR refused for {}: slices are missing (a gap of {} mm where {} mm is typical). Reconstructing across the gap would show anatomy that is not there; load the complete series.":
    "{0} の MPR を中止しました: スライスが欠損しています（通常 {2} mm 間隔のところ {1} mm の隙間）。"
    "欠損部をまたいで再構成すると実在しない解剖が表示されるため、全スライスを読み込んでください。",
"MPR refused for {}: uneven slice spacing ({} to {} mm) would distort the other planes. Use a series reconstructed with even spacing.":
    "{} の MPR を中止しました: スライス間隔が不均一（{}～{} mm）で他の断面が歪みます。"
    "等間隔で再構成されたシリーズを使用してください。",
"MPR refused for {}: the slices are sheared by {}° (gantry tilt), so the other planes would be distorted. Use a tilt-corrected reconstruction from the scanner, or read this series in its own plane.":
    "{} の MPR を中止しました: スライスが {}° ずれており（ガントリー傾斜）、他の断面が歪みます。"
    "装置で傾斜補正した再構成画像を使うか、このシリーズは元の断面で読影してください。",
"MPR needs {} MiB for the {} slices of {}, more than the {} MiB left in the memory budget for images. Open MPR on a slab of {} slices around the current one instead.":
    "MPR には {} MiB 必要です（{} 枚のスライス、{}）が、画像用メモリ予算の残りは {} MiB です。"
    "代わりに現在のスライス周辺の {} 枚のスラブで MPR を開いてください。",
"MPR needs {} MiB for the {} slices of {}, more than the {} MiB left in the memory budget for images. Close other series, or read this one in its own plane.":
    "MPR には {} MiB 必要です（{} 枚のスライス、{}）が、画像用メモリ予算の残りは {} MiB です。"
    "他のシリーズを閉じるか、このシリーズは元の断面で読影してください。",
"MPR no longer fits the image memory budget: close the other MPR view or series and try again.":
    "MPR が画像用メモリ予算に収まらなくなりました。他の MPR 表示またはシリーズを閉じて、もう一度お試しください。",
"MPR does not fit in memory": "MPR がメモリに収まりません",
"Open the slab (images {} to {})": "スラブを開く（画像 {}〜{}）",
"AI results saved as DICOM are shown again": "DICOMとして保存されたAI結果を再表示しています",
"{}: open the series it refers to first": "{}: 先に参照先のシリーズを開いてください",
"⚠ Unlike the model's training data: ": "⚠ モデルの学習データと異なる画像: ",
" · demonstration, not for clinical use": " · デモ用・臨床使用不可",
"Model card — {}": "モデルカード — {}",
"Card": "カード",
})

# The AI panel, its results, dialogs and model card.
JA.update({
"Verifying models…": "モデルを検証中…",
"{} of {} model(s) verified. Open a series to run one.":
    "{1} 個中 {0} 個のモデルを検証しました。実行するにはシリーズを開いてください。",
"{} of {} model(s) apply to this series.": "{1} 個中 {0} 個のモデルがこのシリーズに適用できます。",
"Unavailable: {}": "使用不可: {}",
"Cannot run on this series: ": "このシリーズには実行できません: ",
"Not made for this series: ": "このシリーズは対象外です: ",
"DEMO · NOT FOR CLINICAL USE": "デモ・臨床使用不可",
"Cannot run {}: {}": "{} を実行できません: {}",
"this image": "この画像",
"Running AI · {} on {}…": "AI · {} を {} で実行中…",
"Cancelled: AI · {} added nothing.": "キャンセルしました: AI · {} の結果は追加されていません。",
"AI · {} was not recorded in the audit log, so its results were not added: {}":
    "AI · {} は監査ログに記録できなかったため、結果は追加されていません: {}",
"AI · {} failed: {}": "AI · {} が失敗しました: {}",
"AI · {} is not made for this image: waiting for your choice.":
    "AI · {} はこの画像を対象としていません: 選択をお待ちしています。",
"Not run: AI · {} is outside its intended use here.":
    "未実行: この画像は AI · {} の使用目的外です。",
"AI: no image was run": "AI: 処理された画像はありません",
"AI · {} {}: 1 image done": "AI · {} {}: 1 画像を処理しました",
"AI · {} {}: {} images done": "AI · {} {}: {} 画像を処理しました",
"%v / %m steps": "%v / %m ステップ", "{} {} mL": "{} {} mL",
"<b>{}</b> is not made for this image:": "<b>{}</b> はこの画像を対象としたモデルではありません:",
"Its results may be wrong. Run it anyway? If you do, these warnings are shown with every result.":
    "結果が誤っている可能性があります。それでも実行しますか？"
    "実行した場合、これらの警告がすべての結果とともに表示されます。",
"This model has no model card ({} is missing from {}).":
    "このモデルにはモデルカードがありません（{1} に {0} がありません）。",
"The model card {} of {} cannot be read: {}": "{1} のモデルカード {0} を読み込めません: {2}",
"The manifest cannot be read: {}": "マニフェストを読み込めません: {}",
"Intended use": "使用目的", "Limitations": "制限事項", "Training data": "学習データ",
"Validation (held-out)": "検証（ホールドアウトデータ）",
"Compared with the training data": "学習データとの比較",
"Version and digest": "バージョンとダイジェスト",
"Demonstration model — not for clinical use. It has not been validated on patient images and must not inform any diagnosis.":
    "デモ用モデル — 臨床使用不可。患者画像での検証は行われておらず、診断の根拠にしてはなりません。",
" · 1 finding": " · 所見 1 件", " · {} findings": " · 所見 {} 件", " (best {})": "（最高 {}）",
"as the model says": "モデルの指定どおり",
"Box score threshold for AI · {}: {} (model's: {})": "AI · {} のボックススコア閾値: {}（モデル既定: {}）",
"{} box(es) at score ≥ {}": "スコア {1} 以上のボックス: {0} 個",
"Mask: {}": "マスク: {}", "nothing found": "検出なし",
"⚠ Accepted outside intended use: {}": "⚠ 使用目的外を承認済み: {}",
" · demonstration": " · デモ",
"Im {} · {}": "画像 {} · {}",
})

# Annotations saved with the study (undo/redo, key images), the SR report view, the
# session's messages and the layout menu. Placed before the last block so that entries
# appended at the end of this file merge without a conflict.
JA.update({
"Save annotations…": "注釈を保存…", "Undo": "元に戻す", "Redo": "やり直す",
"Mark / unmark key image": "キー画像に設定 / 解除",
"Nothing to undo": "元に戻す操作はありません", "Nothing to redo": "やり直す操作はありません",
"The measurements and key images are still in this session: choose another folder with File > Save annotations…":
    "計測とキー画像はこのセッションに残っています。ファイル > 注釈を保存… で別のフォルダを選んでください。",
"Saved annotations: {}": "注釈を保存しました: {}",
"{} annotation(s) on MPR planes or on non-DICOM images cannot be saved as DICOM; export them with File > Export measurements.":
    "MPR 断面または DICOM 以外の画像上の注釈 {} 件は DICOM として保存できません。"
    "ファイル > 計測値を書き出し で書き出してください。",
"Save annotations in folder": "注釈の保存先フォルダ",
"Annotations saved with the study are shown ({})": "検査とともに保存された注釈を表示しています（{} 件）",
"Unsaved annotations": "未保存の注釈",
"This session has measurements or key images that are not saved. Save them with the study before closing?":
    "このセッションには保存されていない計測またはキー画像があります。閉じる前に検査とともに保存しますか？",
"Mark / unmark the image as a key image": "画像をキー画像に設定 / 解除",
"Undo the last measurement or key image change": "直前の計測・キー画像の変更を元に戻す",
"Save measurements and key images with the study (DICOM)...": "計測とキー画像を検査とともに保存（DICOM）...",
"KEY": "キー画像", "loading…": "読込中…",
"1 × 1": "1 × 1", "1 × 2 (side by side)": "1 × 2（左右に並べる）",
"2 × 1 (one above the other)": "2 × 1（上下に並べる）", "2 × 2": "2 × 2",
"An AI run is going on another series.": "別のシリーズで AI を実行中です。",
"MPR planes are derived images: AI runs on the acquired series.":
    "MPR 断面は再構成画像のため、AI は元のシリーズで実行します。",
"{}: everything in it is already open": "{}: 既にすべて開いています",
"This object refers to {} image(s) that are not open; open the study it belongs to first.":
    "このオブジェクトが参照する {} 画像が開かれていません。先に対象の検査を開いてください。",
"Patient": "患者", "AI-generated content": "AI が生成した内容", "model": "モデル",
"Device": "装置", "Person": "人", "Observer": "観察者",
"(untitled section)": "（無題のセクション）", "(no image given)": "（画像の指定なし）",
"image": "画像", "frame {}": "フレーム {}", "(not open)": "（開いていません）",
"({} item(s) nested too deep)": "（入れ子が深すぎる項目 {} 件）",
"(an item could not be read: {})": "（読み込めない項目: {}）",
"(see item {})": "（項目 {} を参照）", "(an item without a value type)": "（値の型がない項目）",
"(tcoord not shown)": "（TCOORD は表示されません）", "(waveform not shown)": "（波形は表示されません）",
"(value type {} not shown)": "（値の型 {} は表示されません）", "(no value)": "（値なし）",
"({} is not a number)": "（{} は数値ではありません）", "(object {})": "（オブジェクト {}）",
"(no reference)": "（参照なし）",
"content nested deeper than {} levels is not shown": "{} 階層より深い内容は表示されません",
"only the first {} items of this report are shown": "このレポートは最初の {} 項目のみ表示しています",
"the rest of the report could not be read ({})": "レポートの残りを読み込めませんでした（{}）",
"{} with {} point(s)": "{0}（{1} 点）",
"{} with {} point(s) on {}": "{2} 上の {0}（{1} 点）",
"{} with {} point(s) in patient space": "患者座標系上の {0}（{1} 点）",
"Complete": "完了", "Partial": "未完了", "Verified": "検証済み", "Unverified": "未検証",
"Not everything is shown": "一部は表示されていません",
"This report cannot be shown": "このレポートは表示できません",
"Se {} · Im {}": "Se {} · 画像 {}",
"standalone build": "スタンドアロン版", "Python package": "Python パッケージ",
"none ({} not present)": "なし（{} がありません）",
"An offline DICOM viewer with local AI models.": "ローカル AI モデルを備えたオフライン DICOM ビューア。",
"Lightbox makes no network connection, ever: no update checks, no telemetry, nothing downloaded. Images and results stay on this computer.":
    "Lightbox はネットワークに一切接続しません。更新の確認、テレメトリ、ダウンロードは行いません。"
    "画像と結果はこのコンピューターの外に出ません。",
"Build: {}": "ビルド: {}", "System: {}": "システム: {}", "Site configuration: {}": "施設の設定: {}",
"Logs: {}": "ログ: {}", "AI audit log: {}": "AI 監査ログ: {}",
"Not for diagnostic use unless your institution has validated it.":
    "施設で検証されていない限り、診断には使用しないでください。",
"The image this refers to is not open. Open the study it belongs to (File > Open), then click the link again.":
    "参照先の画像が開かれていません。対象の検査を開いて（ファイル > 開く）から、もう一度リンクをクリックしてください。",
})

# Reading aids (reference lines, offset link, cine rate, LOSSY, preset name, grouped
# findings) and the last English left in the Japanese UI.
JA.update({
"(no description)": "（説明なし）",
"AI · demonstration, not for clinical use · {}": "AI · デモ・臨床使用不可 · {}",
"Im {}": "画像 {}", "Im {}–{}": "画像 {}–{}", "best {}": "最高 {}",
"{:.0f} mm² on this image": "この画像で {:.0f} mm²", "{:.1f} mL": "{:.1f} mL",
"Ctrl+Wheel": "Ctrl+ホイール",
"Zoom about the mouse pointer (up: zoom in, 10% a notch)":
    "マウスポインタを中心に拡大縮小（上: 拡大、1 ノッチ 10%）",
"Cine: fewer frames per second (down to 1)": "シネ: フレームレートを下げる（最小 1）",
"Cine: more frames per second (up to 60)": "シネ: フレームレートを上げる（最大 60）",
"Link two viewports with an offset: their current slices match (a prior against a current; again: unlink)":
    "2 つのビューポートをオフセット付きで連動: 現在のスライス同士を対応させます"
    "（過去検査と今回検査の比較。もう一度: 解除）",
"Show / hide reference lines of the other viewports": "他のビューポートの参照線を表示 / 非表示",
"{}  W: {:.0f} L: {:.0f}": "{}  W: {:.0f} L: {:.0f}",
"Cine {:g} fps": "シネ {:g} fps",
"LOSSY": "非可逆圧縮",
"File VOI LUT": "ファイルの VOI LUT", "Image range": "画像の値範囲",
"modality is {}; the model is meant for {}": "モダリティは {} です。このモデルの対象は {} です",
"body part is not recorded; the model is meant for {}":
    "撮影部位が記録されていません。このモデルの対象は {} です",
"body part is {}; the model is meant for {}": "撮影部位は {} です。このモデルの対象は {} です",
"view is {}; the model is meant for {}": "撮影方向は {} です。このモデルの対象は {} です",
"pixel spacing is unknown; the model is meant for {}–{} mm":
    "ピクセル間隔が不明です。このモデルの対象は {}–{} mm です",
"pixel spacing is {} mm; the model is meant for {}–{} mm":
    "ピクセル間隔は {} mm です。このモデルの対象は {}–{} mm です",
"the series holds no image": "このシリーズには画像がありません",
"the model reads {} consecutive slices; the series has {}":
    "このモデルは連続する {} スライスを読み込みますが、このシリーズは {} スライスです",
"models with more than one input are not supported by this viewer":
    "複数の入力を持つモデルにはこのビューアは対応していません",
"Link with offset": "オフセット付きで連動", "Reference lines": "参照線",
"Link with offset needs two viewports showing images: bring both to the same anatomy, then link.":
    "オフセット付き連動には画像を表示した 2 つのビューポートが必要です。"
    "両方を同じ部位に合わせてから連動してください。",
"Series": "シリーズ", "{} · Im {}": "{} · 画像 {}",
"Back to images": "画像に戻る",
"reading a report": "レポートの読み込み", "going to an image": "画像への移動",
"reading contours": "輪郭の読み込み",
"the image this report refers to is not open; open the study it belongs to (File > Open), then follow the reference again":
    "このレポートが参照する画像は開かれていません。その画像の検査を開いて（ファイル > 開く）から、もう一度参照をたどってください",
"Cine slower": "シネを遅く", "Cine faster": "シネを速く",
'a named pipe, not a file':
    '名前付きパイプです（ファイルではありません）',
'a character device, not a file':
    'キャラクタデバイスです（ファイルではありません）',
'a block device, not a file':
    'ブロックデバイスです（ファイルではありません）',
'a socket, not a file':
    'ソケットです（ファイルではありません）',
'a folder, not a file':
    'フォルダです（ファイルではありません）',
'a symbolic link loop (the link leads back to itself); remove or fix the link':
    'シンボリックリンクがループしています（リンク先が自分自身に戻ります）。リンクを削除するか修正してください',
'a broken symbolic link (its target does not exist)':
    '壊れたシンボリックリンクです（リンク先が存在しません）',
'a link to a folder outside the one opened: not followed (open that folder too)':
    '開いたフォルダの外を指すフォルダへのリンクです。たどりません（そのフォルダも開いてください）',
'a link back to a folder already included (a loop): not read twice':
    '既に含まれているフォルダに戻るリンクです（ループ）。二度は読み込みません',
'folder cannot be read ({})':
    'フォルダを読み込めません（{}）',
'listed in the DICOMDIR but outside its folder (refused: a DICOMDIR may only point inside)':
    'DICOMDIR に記載されていますがそのフォルダの外にあります（拒否：DICOMDIR はフォルダ内しか指せません）',
'listed in the DICOMDIR but missing':
    'DICOMDIR に記載されていますが見つかりません',
"UNSIGNED · developer mode": "署名なし・開発者モード",
# several series per model (issue 12)
"Series for each input": "入力ごとのシリーズ",
"<b>{}</b> reads more than one series of this study. Check the series for each input:":
    "<b>{}</b> はこの検査の複数のシリーズを読み込みます。入力ごとのシリーズを確認してください:",
"Runs on: {}": "実行対象: {}",
"Run": "実行",
"Series that fit: {}": "適合するシリーズ: {}",
"Not run: no series was confirmed for AI · {}.": "未実行: AI · {} のシリーズが確認されませんでした。",
"Input {}: image {} of series {}": "入力 {0}: シリーズ {2} の画像 {1}",
" · resampled onto this image's pixels": "・この画像の画素に再標本化",
# AI refusals: several series, whole volumes (issue 12)
'model {}: the series for {} has no frame of reference, so its slices cannot be matched to the images the model runs on by position':
    'モデル {}: {} のシリーズには Frame of Reference がないため、モデルを実行する画像と位置で対応付けられません',
'model {}: the series for {} is in a different frame of reference from the series the model runs on: positions in one mean nothing in the other (the two would need a registration first)':
    'モデル {}: {} のシリーズは、モデルを実行するシリーズと Frame of Reference が異なります。一方の位置は他方では意味を持ちません（先に位置合わせが必要です）',
'model {}: the series for {} holds no images':
    'モデル {}: {} のシリーズに画像がありません',
'model {}: the series for {} has an image without position, orientation or pixel spacing, so it cannot be aligned':
    'モデル {}: {} のシリーズに位置・方向・ピクセル間隔のない画像があるため、位置を合わせられません',
'model {}: the series for {} mixes slice orientations; only a stack of parallel slices can be matched by position':
    'モデル {}: {} のシリーズはスライスの方向が混在しています。位置で対応付けられるのは平行なスライスの積み重ねだけです',
'model {}: the series for {} is cut in another orientation ({}° from the images the model runs on); only parallel slices are matched':
    'モデル {}: {} のシリーズは別の方向で切られています（モデルを実行する画像から {}°）。対応付けるのは平行なスライスだけです',
"model {}: the series for {} has no slice near this image's position: the nearest is {} mm away, more than half its slice spacing ({} mm)":
    'モデル {}: {} のシリーズには、この画像の位置の近くにスライスがありません。最も近いものでも {} mm 離れており、スライス間隔の半分（{} mm）を超えています',
'model {}: the series for {} does not overlap this image in the patient':
    'モデル {}: {} のシリーズは、患者座標でこの画像と重なりません',
'model {}: an image to run on has no position, orientation or pixel spacing, so {} cannot be aligned to it':
    'モデル {}: 実行する画像に位置・方向・ピクセル間隔がないため、{} をその画像に合わせられません',
'model {}: the series for {} or the series the model runs on has no frame of reference, so the two cannot be placed on one grid':
    'モデル {}: {} のシリーズまたはモデルを実行するシリーズに Frame of Reference がないため、両者を一つの格子に置けません',
'model {}: the series for {} does not overlap the series the model runs on in the patient: the model would read nothing but padding from it':
    'モデル {}: {} のシリーズは、患者座標でモデルを実行するシリーズと重なりません。モデルはそこから埋め草しか読み取れません',
"model {}: this series at the model's spacing needs about {} of memory (grid {}); this computer has {}. Close other programs or run it on a larger workstation.":
    'モデル {}: このシリーズをモデルの間隔で処理するには約 {} のメモリが必要です（格子 {}）。このコンピューターには {} しかありません。他のプログラムを閉じるか、より大きなワークステーションで実行してください。',
'model {}: the model has no input {} read from another series (it has {})':
    'モデル {}: このモデルには他のシリーズから読む入力 {} がありません（あるのは {}）',
'model {}: input {} reads another series of the study; choose one (the command line: --input NAME=SERIES)':
    'モデル {}: 入力 {} はこの検査の別のシリーズを読み込みます。シリーズを選んでください（コマンドラインでは --input NAME=SERIES）',
'model {}: the series chosen for input {} cannot be used: {}':
    'モデル {}: 入力 {} に選ばれたシリーズは使えません: {}',
'model {}: the slices around this image differ in size':
    'モデル {}: この画像の前後のスライスは大きさが異なります',
'model {}: the model reads the series as a volume of at least {} slices; the series has {}':
    'モデル {}: このモデルはシリーズを {} 枚以上のボリュームとして読み込みますが、このシリーズは {} 枚です',
'the model reads the series as a volume of at least {} slices; the series has {}':
    'このモデルはシリーズを {} 枚以上のボリュームとして読み込みますが、このシリーズは {} 枚です',
'no series of this study matches input {}: needs {}; found: {}':
    'この検査には入力 {} に合うシリーズがありません。必要なもの: {}。見つかったもの: {}',
'it is the series the model runs on; input {} needs another series':
    'モデルを実行するシリーズそのものです。入力 {} には別のシリーズが必要です',
'it belongs to another study':
    '別の検査のシリーズです',
'it holds no images':
    '画像がありません',
'it does not fit input {}: {}':
    '入力 {} に合いません: {}',
})

# The local study list (viewer/ui/window/study_list.py).
JA.update({
"Study list": "検査リスト", "Date": "日付", "Patient ID": "患者ID", "Accession": "受付番号",
"Modality": "モダリティ", "Images": "画像数", "Size": "サイズ", "From": "取得元",
"PACS": "PACS", "Received": "受信", "Folder": "フォルダ", "incomplete": "未完了",
"{} studies": "{} 件の検査",
"Search name, ID, accession, date, modality": "氏名・ID・受付番号・日付・モダリティで検索",
"Reading the study list…": "検査リストを読み込み中…",
"The study list cannot be shown: {}": "検査リストを表示できません: {}",
"AI results exist for this study": "この検査にはAI結果があります",
})
# Results back to the PACS (viewer/ui/ai/send_results.py)
JA.update({
"Send AI results to PACS": "AI結果をPACSへ送信",
"%v / %m objects": "%v / %m オブジェクト",
"No PACS destination is configured: IT names one (results_destination) in the site configuration.": "PACSの送信先が設定されていません。IT担当者がサイト設定（results_destination）で指定します。",
"There are no AI results of this series to send: run a model first.": "このシリーズには送信するAI結果がありません。先にモデルを実行してください。",
"Sends this series' AI results (SEG, SR) to {} with C-STORE; each send is recorded in the audit log.": "このシリーズのAI結果（SEG、SR）をC-STOREで{}へ送信します。送信はすべて監査ログに記録されます。",
"Sending to {}…": "{}へ送信中…",
"Sending cancelled; the audit log records what was sent.": "送信をキャンセルしました。送信済みの内容は監査ログに記録されています。",
"Not sent: {}": "送信されませんでした: {}",
"{} object(s) sent to {} and recorded in the audit log.": "{} 件のオブジェクトを{}へ送信し、監査ログに記録しました。",
"{} of {} object(s) stored by {}:": "{} 件を保存しました（全 {} 件、送信先 {}）:",
})
# The Search PACS window (viewer/ui/window/pacs_search.py) and the network's messages
JA.update({
"Search PACS…": "PACS検索…", "Search PACS": "PACS検索",
"Search the PACS (configured DICOM nodes)...": "PACSを検索（設定済みのDICOMノード）...",
"No PACS is configured: your IT department lists the DICOM nodes (docs/pacs.md)":
    "PACSが設定されていません。DICOMノードはIT部門が設定します（docs/pacs.md）",
"searching the PACS": "PACSの検索", "listing the series": "シリーズの一覧取得",
"retrieving from the PACS": "PACSからの取得",
"Patient ID": "患者ID", "Date": "日付", "Description": "説明", "Modalities": "モダリティ",
"Accession": "受付番号", "Images": "画像数", "Retrieve": "取得",
"Any date": "全期間", "Today": "今日", "Last 7 days": "過去7日間", "Between": "期間指定",
"DOE* (wildcards * and ?)": "YAMADA*（ワイルドカード * と ?）",
"Search": "検索", "Node": "ノード", "Patient name": "患者名",
"Accession number": "受付番号", "Study date": "検査日", "Modality": "モダリティ",
"%v / %m images": "%v / %m 画像",
"Retrieve the selected studies or series into this workstation's store; each opens when complete":
    "選択した検査またはシリーズをこの端末の保存先に取得します。完了したものから開きます",
"Cancel retrieve": "取得を中止", "Searching…": "検索中…",
"{} study(ies) found": "{} 件の検査が見つかりました",
"More than {0} studies match: the first {0} are listed. Narrow the search (patient, accession number, date, modality).":
    "該当する検査が {0} 件を超えています。最初の {0} 件を表示しています。検索条件（患者、受付番号、日付、モダリティ）を絞り込んでください。",
"Waiting": "待機中", "{} / {} images": "{} / {} 画像", "Starting…": "開始中…",
"Complete · opened": "完了・表示済み",
"Incomplete: {} / {} images (retrieve again)": "未完了: {} / {} 画像（再取得してください）",
"Cancelled (retrieve again to resume)": "中止（再取得で続きから再開）",
"Failed": "失敗",
"DICOM node {} ({}) requires this workstation's certificate (mutual TLS), and the site gives none: IT sets tls_cert_file and tls_key_file":
    "DICOMノード {}（{}）はこの端末の証明書（相互TLS）を要求していますが、サイト設定にありません。IT担当者が tls_cert_file と tls_key_file を設定してください",
"DICOM node {} ({}) does not accept this workstation's certificate {} ({}): the node must trust the CA that issued it":
    "DICOMノード {}（{}）はこの端末の証明書 {} を受け付けません（{}）。ノードが発行元のCAを信頼する必要があります",
"DICOM node {} ({}) did not complete a TLS handshake ({}): it does not speak DICOM over TLS on this port; set tls = false for it, or ask for its TLS port":
    "DICOMノード {}（{}）とのTLSハンドシェイクが完了しませんでした（{}）。このポートはDICOM over TLSに対応していません。tls = false にするか、TLS用のポートを確認してください",
"the site's {} {} cannot be read ({})":
    "サイト設定の {} {} を読み込めません（{}）",
"the site sets {} but not {}: this workstation's certificate needs both (or neither)":
    "サイト設定に {} はありますが {} がありません。この端末の証明書には両方が必要です（または両方なし）",
"the site's tls_key_file {} is not the private key of its tls_cert_file {}":
    "サイト設定の tls_key_file {} は tls_cert_file {} の秘密鍵ではありません",
"the site's tls_cert_file {} or tls_key_file {} is not a PEM certificate and its unencrypted PEM private key ({})":
    "サイト設定の tls_cert_file {} または tls_key_file {} がPEM証明書と暗号化されていないPEM秘密鍵ではありません（{}）",
"a TLS node sends by C-MOVE, so Lightbox's storage port needs its own certificate: the site must set tls_cert_file and tls_key_file (or the node retrieve = \"get\")":
    "TLSノードがC-MOVEで送信するため、Lightboxの受信ポートに独自の証明書が必要です。サイト設定で tls_cert_file と tls_key_file を設定してください（またはノードを retrieve = \"get\" に）",
"DICOM node {} ({}): the node's certificate is not trusted ({}) by the site's tls_ca_file {}: IT must give the CA that issued it":
    "DICOMノード {0}（{1}）: ノードの証明書はサイト設定の tls_ca_file {3} で信頼されていません（{2}）。IT担当者が発行元のCAを設定してください",
"DICOM node {} ({}): the node's certificate is not trusted ({}) by the system's authorities, and the site sets no tls_ca_file: IT must give the CA that issued it":
    "DICOMノード {}（{}）: ノードの証明書はシステムの認証局で信頼されていません（{}）。サイト設定に tls_ca_file がありません。IT担当者が発行元のCAを設定してください",
"DICOM node {} ({}): the node's certificate is not issued for {}: the site's host must be a name or address the certificate lists, or the node needs a certificate for it":
    "DICOMノード {}（{}）: ノードの証明書は {} 向けに発行されていません。サイト設定のhostを証明書に記載された名前かアドレスにするか、ノードにその名前の証明書が必要です",
"the site's {} {} holds no PEM certificate Lightbox can use ({})":
    "サイト設定の {} {} にLightboxが使えるPEM証明書がありません（{}）",
"DICOM node {} ({}) refused to talk to this workstation ({}): check that the node knows Lightbox's AE title {} and that {} is the node's own AE title":
    "DICOMノード {}（{}）がこの端末との通信を拒否しました（{}）。ノードにLightboxのAEタイトル {} が登録されていること、{} がノード自身のAEタイトルであることを確認してください",
"DICOM node {} ({}) accepted the connection but did not answer the association request within {} s: is it a DICOM node, on this port?":
    "DICOMノード {}（{}）は接続を受け付けましたが、{} 秒以内にアソシエーション要求に応答しませんでした。このポートのDICOMノードですか？",
"DICOM node {} ({}): the host name {} is unknown on this network; check the site configuration or the workstation's name resolution":
    "DICOMノード {}（{}）: ホスト名 {} はこのネットワークで見つかりません。サイト設定か端末の名前解決を確認してください",
"DICOM node {} ({}) did not answer within {} s: the node is down, or a firewall drops the connection":
    "DICOMノード {}（{}）が {} 秒以内に応答しませんでした。ノードが停止しているか、ファイアウォールが接続を遮断しています",
"DICOM node {} ({}) cannot be reached ({}): the node is not running or the port is wrong":
    "DICOMノード {}（{}）に接続できません（{}）。ノードが動作していないか、ポートが誤っています",
"DICOM node {} ({}) broke off {}: it aborted the association, the connection was lost, or it did not answer within {} s. Try again; if it happens at once every time, the node may not let Lightbox's AE title {} search or retrieve: ask its administrator to add it":
    "DICOMノード {}（{}）が{}を中断しました。アソシエーションの中止、接続の切断、または {} 秒以内に応答がなかったためです。もう一度お試しください。毎回すぐに起こる場合は、ノードがLightboxのAEタイトル {} に検索・取得を許可していない可能性があります。管理者に追加を依頼してください",
"the search": "検索", "the listing of the study's images": "検査の画像一覧の取得",
"DICOM node {} ({}) refused the search (status {}): the keys may be more than it supports":
    "DICOMノード {}（{}）が検索を拒否しました（ステータス {}）。ノードが対応していない検索キーが含まれている可能性があります",
"no DICOM node named {} is configured; the configured ones are {}":
    "{} という名前のDICOMノードは設定されていません。設定済みのノード: {}",
"the {} may not hold a backslash or control characters": "{}にバックスラッシュや制御文字は使えません",
"the {} is longer than DICOM allows ({})": "{}がDICOMの上限（{}）より長すぎます",
"patient name": "患者名", "patient ID": "患者ID", "accession number": "受付番号",
"the study date {} is not a date or range: write YYYYMMDD, YYYYMMDD-YYYYMMDD, YYYYMMDD- (from) or -YYYYMMDD (until)":
    "検査日 {} は日付または期間ではありません。YYYYMMDD、YYYYMMDD-YYYYMMDD、YYYYMMDD-（以降）または -YYYYMMDD（以前）と入力してください",
"the study date range {} ends before it starts": "検査日の期間 {} は終了日が開始日より前です",
"{} is not a calendar date (YYYYMMDD)": "{} は存在する日付ではありません（YYYYMMDD）",
"the connection to DICOM node {} ({}) was lost or timed out after {} of {} images; what arrived is kept: retrieve again to fetch the rest":
    "DICOMノード {}（{}）との接続が {} / {} 画像の時点で切れたかタイムアウトしました。受信済みの画像は保存されています。再取得すると残りを取得します",
"DICOM node {} ({}) does not know the destination {}: ask the PACS administrator to add Lightbox's AE title {} with this workstation's address and storage port":
    "DICOMノード {}（{}）は送信先 {} を知りません。PACS管理者に、LightboxのAEタイトル {} をこの端末のアドレスと保存ポートとともに登録するよう依頼してください",
"DICOM node {} ({}) has no images of that study": "DICOMノード {}（{}）にその検査の画像はありません",
"DICOM node {} ({}) has no images of that study and series":
    "DICOMノード {}（{}）にその検査・シリーズの画像はありません",
"DICOM node {} ({}) refused to list the study's images (status {})":
    "DICOMノード {}（{}）が検査の画像一覧を拒否しました（ステータス {}）",
"DICOM node {} lists more than {} images for one study":
    "DICOMノード {} が1検査に {} を超える画像を返しました",
"the local store {} is full ({}): free space there (or ask IT to move pacs_store_dir) and retrieve again; what arrived is kept and the rest resumes":
    "保存先 {} が一杯です（{}）。空き容量を確保して（またはIT部門に pacs_store_dir の移動を依頼して）再取得してください。受信済みの画像は保存され、残りから再開します",
"cannot write to the local store {} ({}); check the folder's permissions":
    "保存先 {} に書き込めません（{}）。フォルダの権限を確認してください",
"storing a received image failed unexpectedly; what was stored is kept, retrieve again":
    "受信した画像の保存が予期せず失敗しました。保存済みの画像はそのままです。再取得してください",
"no node named {} is configured; the configured ones are {}":
    "{} という名前のノードは設定されていません。設定済みのノード: {}",
"DICOMweb node {} ({}) refused {} (HTTP {}): {}; ask IT to check the node's auth, username and password or token file":
    "DICOMwebノード {}（{}）が{}を拒否しました（HTTP {}）。{}。IT部門にノードの auth、username、パスワードまたはトークンのファイルを確認するよう依頼してください",
"it asks for credentials and none are configured":
    "認証情報が求められていますが、設定されていません",
"the user name {} or its password was refused":
    "ユーザー名 {} またはそのパスワードが拒否されました",
"the token was refused (expired or wrong)":
    "トークンが拒否されました（期限切れまたは誤り）",
"the credentials were accepted but do not allow {}":
    "認証情報は受け付けられましたが、{}は許可されていません",
"DICOMweb node {} ({}) answered 404 (not found) to {}: the URL's path is probably not the DICOMweb service's base (e.g. http://pacs:8042/dicom-web), or the study is not there":
    "DICOMwebノード {}（{}）は{}に 404（見つかりません）と応答しました。URLのパスがDICOMwebサービスのベース（例: http://pacs:8042/dicom-web）でないか、検査が存在しません",
"DICOMweb node {} ({}) failed {} (HTTP {}): the service has a problem; try again later or ask its administrator":
    "DICOMwebノード {}（{}）で{}が失敗しました（HTTP {}）。サービスに問題があります。後でもう一度試すか、管理者に問い合わせてください",
"DICOMweb node {} ({}) refused {} (HTTP {})":
    "DICOMwebノード {}（{}）が{}を拒否しました（HTTP {}）",
"DICOMweb node {} ({}): the TLS connection failed ({}): its certificate is not trusted by this workstation or does not name that host; IT sets tls_ca_file to the hospital's certificate authority":
    "DICOMwebノード {}（{}）: TLS接続に失敗しました（{}）。証明書がこの端末で信頼されていないか、ホスト名と一致しません。IT部門が tls_ca_file に病院の認証局を設定します",
"DICOMweb node {} ({}) did not answer {} within {} s: the service is down or overloaded, or a firewall drops the connection":
    "DICOMwebノード {}（{}）が{}に {} 秒以内に応答しませんでした。サービスが停止または過負荷か、ファイアウォールが接続を遮断しています",
"DICOMweb node {} ({}): the host name {} is unknown on this network; check the site configuration":
    "DICOMwebノード {}（{}）: ホスト名 {} はこのネットワークで見つかりません。サイト設定を確認してください",
"DICOMweb node {} ({}) cannot be reached ({}): the service is not running, or the URL's host or port is wrong":
    "DICOMwebノード {}（{}）に接続できません（{}）。サービスが動作していないか、URLのホストまたはポートが誤っています",
"DICOMweb node {} ({}) sent an answer to {} that is not DICOMweb ({}): check the URL":
    "DICOMwebノード {}（{}）の{}への応答はDICOMwebではありません（{}）。URLを確認してください",
"the connection to DICOMweb node {} ({}) was lost or timed out after {} of {} images ({}); what arrived is kept: retrieve again to fetch the rest":
    "DICOMwebノード {}（{}）との接続が {} / {} 画像の時点で切れたかタイムアウトしました（{}）。受信済みの画像は保存されています。再取得すると残りを取得します",
"DICOMweb node {} ({}) sent a malformed multipart answer after {} of {} images; what arrived is kept: retrieve again to fetch the rest":
    "DICOMwebノード {}（{}）が {} / {} 画像の時点で不正なマルチパート応答を送りました。受信済みの画像は保存されています。再取得すると残りを取得します",
"DICOMweb node {} ({}) redirected to another address ({}); Lightbox contacts only the configured URL: ask IT to configure the address it redirects to":
    "DICOMwebノード {}（{}）が別のアドレス（{}）へリダイレクトしました。Lightboxは設定されたURLにのみ接続します。リダイレクト先のアドレスを設定するようIT部門に依頼してください",
"DICOMweb node {} ({}) has no images of that study":
    "DICOMwebノード {}（{}）にその検査の画像はありません",
"DICOMweb node {} ({}) has no images of that study and series":
    "DICOMwebノード {}（{}）にその検査・シリーズの画像はありません",
"the retrieve":
    "取得",
"a search":
    "検索",
"the send":
    "送信",
"the connection to DICOMweb node {} ({}) was lost during {}; try again":
    "DICOMwebノード {}（{}）との接続が{}の途中で切れました。もう一度お試しください",
"DICOMweb node {} ({}): the {} file {} is readable by every account on this computer; IT makes it readable by Lightbox's users only (chmod o-r {})":
    "DICOMwebノード {}（{}）: {}ファイル {} はこのコンピューターのすべてのアカウントが読めます。IT部門がLightboxの利用者だけが読めるようにします（chmod o-r {}）",
"DICOMweb node {} ({}): the {} file {} cannot be read ({}); ask IT to check it and its permissions":
    "DICOMwebノード {}（{}）: {}ファイル {} を読めません（{}）。IT部門にファイルとその権限の確認を依頼してください",
"DICOMweb node {} ({}): the {} file {} is empty":
    "DICOMwebノード {}（{}）: {}ファイル {} が空です",
"password":
    "パスワード",
"token":
    "トークン",
"DICOMweb node {} ({}): the site's TLS files (tls_ca_file, tls_cert_file, tls_key_file) cannot be used ({}); ask IT to check them":
    "DICOMwebノード {}（{}）: サイトのTLSファイル（tls_ca_file、tls_cert_file、tls_key_file）を使用できません（{}）。IT部門に確認を依頼してください",
"no DICOM or DICOMweb node is configured: IT lists them in the site configuration ({}), [dicom_nodes.NAME] or [dicomweb_nodes.NAME] tables (see docs/pacs.md)":
    "DICOMノードもDICOMwebノードも設定されていません。IT部門がサイト設定（{}）の [dicom_nodes.NAME] または [dicomweb_nodes.NAME] に記載します（docs/pacs.md を参照）",
"name the node to use: one of {}":
    "使用するノードを指定してください: {} のいずれか",
})
# Priors and hanging protocols (ui/window/priors.py).
JA.update({
"Body part": "部位", "Where": "場所",
"Open a study: its patient's other studies are listed here.": "検査を開くと、同じ患者の他の検査がここに一覧表示されます。",
"Open as comparison": "比較として開く",
"Hang the chosen prior beside the current study (retrieved from the PACS first if needed)":
    "選択した過去検査を現在の検査の横に並べます（必要ならPACSから先に取得）",
"Save hanging": "表示配置を保存", "This workstation": "このワークステーション",
"PACS {}": "PACS {}", "The most recent comparable prior": "比較可能な最新の過去検査",
"Priors": "過去検査", "Priors ({})": "過去検査 ({})", "Looking for priors…": "過去検査を検索中…",
"{} other study(ies) of this patient": "この患者の他の検査 {} 件", "Priors: {}": "過去検査: {}",
"Open studies of this modality and body part as they hang now":
    "このモダリティと部位の検査を、現在の配置で開くようにします",
"Retrieving the prior from {}…": "{} から過去検査を取得中…",
"The prior was not retrieved: {}": "過去検査を取得できませんでした: {}",
"The prior has no images to compare.": "過去検査に比較できる画像がありません。",
"The saved hanging wants a comparison: no comparable prior was found.":
    "保存された表示配置は比較を指定していますが、比較可能な過去検査が見つかりませんでした。",
"Saved: {} studies open beside their most recent comparable prior":
    "保存しました: {} の検査は比較可能な最新の過去検査と並べて開きます",
"Saved: {} studies open alone": "保存しました: {} の検査は単独で開きます",
"Save hanging protocol": "表示配置（ハンギングプロトコル）を保存",
# the inference servers (Run on <server>)
"inference server {} ({}) cannot be reached ({}): the server is not running, or the url is wrong":
    "推論サーバー {}（{}）に接続できません（{}）。サーバーが動作していないか、URLが誤っています",
"inference server {} ({}) did not answer within {} s: it is overloaded or down, or a firewall drops the connection":
    "推論サーバー {}（{}）が {} 秒以内に応答しませんでした。過負荷か停止しているか、ファイアウォールが接続を遮断しています",
"inference server {} ({}): the host name {} is unknown on this network; check the site configuration":
    "推論サーバー {}（{}）: ホスト名 {} はこのネットワークで解決できません。サイト設定を確認してください",
"inference server {} ({}) does not accept this workstation's API key (from {}): IT must give a key the server's service_api_keys lists":
    "推論サーバー {}（{}）はこのワークステーションのAPIキー（{} から読み込み）を受け付けません。サーバーの service_api_keys にあるキーをITが設定する必要があります",
"inference server {} ({}) asks for an API key and the site gives none: IT sets api_key_file for it":
    "推論サーバー {}（{}）はAPIキーを求めていますが、サイト設定にありません。ITが api_key_file を設定します",
"inference server {} ({}) does not serve the model verified here, so it was not sent there: {}. Run it here, or IT installs the same artifact on both":
    "推論サーバー {}（{}）はここで検証したモデルと同じものを提供していないため、送信しませんでした: {}。ここで実行するか、ITが両方に同じアーティファクトを導入してください",
"inference server {} ({}) does not take a series this large ({}): run it here, or IT raises the server's service_max_request_mb / service_max_instances":
    "推論サーバー {}（{}）はこの大きさのシリーズを受け付けません（{}）。ここで実行するか、ITがサーバーの service_max_request_mb / service_max_instances を引き上げてください",
"Run on {}":
    "{} で実行",
"Checking that {} serves this model…":
    "{} がこのモデルを提供しているか確認中…",
"Runs the whole series on {} ({}), the same model as here":
    "シリーズ全体を {}（{}）で実行します（ここと同じモデル）",
"{} on {}":
    "{}（{} で）",
" · on {} ({})":
    " · {} で実行（{}）",
"inference server {} ({}) closed the connection: it requires this workstation's certificate (mutual TLS), and the site gives none: IT sets tls_cert_file and tls_key_file":
    "推論サーバー {}（{}）が接続を閉じました。このワークステーションの証明書（相互TLS）が必要ですが、サイト設定にありません。ITが tls_cert_file と tls_key_file を設定します",
"inference server {} ({}): its certificate is not trusted by {} or does not name {} ({}): IT must give the CA that issued it":
    "推論サーバー {}（{}）: その証明書は {} で信頼されていないか、{} を名指していません（{}）。発行したCAをITが設定する必要があります",
"inference server {} ({}): the TLS handshake failed ({}); is it an https server on this port?":
    "推論サーバー {}（{}）: TLSハンドシェイクに失敗しました（{}）。このポートはhttpsサーバーですか？",
"inference server {} ({}) failed (HTTP {}, {}): {}":
    "推論サーバー {}（{}）でエラーが発生しました（HTTP {}、{}）: {}",
"inference server {} ({}) refused the request (HTTP {}, {}): {}":
    "推論サーバー {}（{}）が要求を拒否しました（HTTP {}、{}）: {}",
"Lightbox connects only to what your IT configured ({}): no update checks, no telemetry, nothing downloaded.":
    "Lightbox はITが設定した接続先（{}）にのみ接続します。更新の確認、テレメトリ、ダウンロードは行いません。",
"This model reads other series of the study: it runs here only.":
    "このモデルは検査の他のシリーズも読み込むため、ここでのみ実行できます。",
})
# The viewer receiving pushed studies, and studies shown while they arrive (issue 14).
JA.update({
"Studies pushed by the PACS are not received: port {} is in use by another program (another Lightbox, or lightbox pacs listen). Searching and retrieving work as usual.":
    "PACSから送られる検査は受信されません: ポート {} は他のプログラム（別のLightbox、または lightbox pacs listen）が使用中です。検索と取得は通常どおり使えます。",
"⚠ Not receiving (port {} in use)": "⚠ 受信停止中（ポート {} 使用中）",
"Receiving from the PACS": "PACSから受信中",
"Lightbox receives the studies the PACS sends to it on port {}":
    "LightboxはPACSから送られる検査をポート {} で受信します",
"Study received from {}: {} images": "{} から検査を受信しました: {} 画像",
"Study received from {}: {}, {} images": "{} から検査を受信しました: {}、{} 画像",
"({} refused: see the log)": "（{} 件を拒否: ログを参照）",
"⚠ Incomplete: {} / {} images": "⚠ 未完了: {} / {} 画像",
"⚠ Incomplete: {} images": "⚠ 未完了: {} 画像",
"Receiving {} / {} images…": "受信中 {} / {} 画像…",
"Receiving: {} images so far…": "受信中: これまでに {} 画像…",
# The drift alerts (viewer.ui.ai.drift_marks)
"DRIFT UNDER REVIEW": "ドリフト確認中",
"Drift under review": "ドリフト確認中",
"Recent runs of this model version crossed a threshold set by IT. Results remain available; the department reviews whether the model still fits its images.": "このモデルバージョンの最近の実行が、IT部門の設定した閾値を超えました。結果は引き続き利用できます。モデルが現在の画像に適合しているかを部門で確認します。",
"images unlike the training data": "学習データと異なる画像",
"images shifted from the training data": "学習データからずれた画像",
"PSI (90th percentile of the runs' medians)": "PSI（各実行の中央値の90パーセンタイル）",
"{}: {} (threshold {}), {}, {} runs": "{}: {}（閾値 {}）、{}、{} 回の実行",
"output {} ({}) changed by {} from the reference period (threshold {}), {}, {} runs": "出力 {}（{}）が基準期間から {} 変化（閾値 {}）、{}、{} 回の実行",
})
