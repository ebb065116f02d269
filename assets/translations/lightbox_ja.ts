<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="ja">
<context>
    <name>AiDialogs</name>
    <message>
        <source>Outside the model's intended use</source>
        <translation>モデルの使用目的外</translation>
    </message>
    <message>
        <source>Run anyway</source>
        <translation>それでも実行</translation>
    </message>
    <message>
        <source>Don't run</source>
        <translation>実行しない</translation>
    </message>
</context>
<context>
    <name>AiOverlay</name>
    <message>
        <source>AI OUTPUT · DEMONSTRATION, NOT FOR CLINICAL USE</source>
        <extracomment>Below the top orientation letter, so both stay readable.</extracomment>
        <translation>AI出力・デモ用・臨床使用不可</translation>
    </message>
    <message>
        <source>AI OUTPUT</source>
        <translation>AI出力</translation>
    </message>
    <message>
        <source>⚠ Outside intended use (accepted): </source>
        <translation>⚠ 使用目的外（承認済み）: </translation>
    </message>
    <message>
        <source>AI results hidden · press A to show</source>
        <translation>AI結果は非表示・Aキーで表示</translation>
    </message>
</context>
<context>
    <name>AiPanel</name>
    <message>
        <source>Model card…</source>
        <extracomment>Seconds between progress updates sent to the GUI thread. The status dot of a row: applies, outside intended use (may run on a yes), cannot run. The registry is built (or failed to build). A run ended: "ok", "cancelled", "declined" (intended use) or "error". One line on how the run goes (also for the status bar).</extracomment>
        <translation>モデルカード…</translation>
    </message>
    <message>
        <source>Run on this image</source>
        <translation>この画像で実行</translation>
    </message>
    <message>
        <source>Run on series</source>
        <translation>シリーズで実行</translation>
    </message>
    <message>
        <source>%v / %m images</source>
        <translation>%v / %m 画像</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>キャンセル</translation>
    </message>
    <message>
        <source>The AI models could not be loaded.</source>
        <translation>AIモデルを読み込めませんでした。</translation>
    </message>
    <message>
        <source>No AI models are installed.</source>
        <translation>AIモデルがインストールされていません。</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>キャンセル中…</translation>
    </message>
</context>
<context>
    <name>AiResults</name>
    <message>
        <source>Display</source>
        <translation>表示</translation>
    </message>
    <message>
        <source>Show AI overlays  (A)</source>
        <translation>AIオーバーレイを表示  (A)</translation>
    </message>
    <message>
        <source>Fill</source>
        <translation>塗りつぶし</translation>
    </message>
    <message>
        <source>Contour</source>
        <translation>輪郭</translation>
    </message>
    <message>
        <source>Masks</source>
        <translation>マスク</translation>
    </message>
    <message>
        <source>Mask opacity</source>
        <translation>マスクの不透明度</translation>
    </message>
    <message>
        <source>Heatmap opacity</source>
        <translation>ヒートマップの不透明度</translation>
    </message>
    <message>
        <source>The colour map of heatmaps (the model's card names its own)</source>
        <translation>ヒートマップのカラーマップ（モデルカードに推奨あり）</translation>
    </message>
    <message>
        <source>Heatmap colours</source>
        <translation>ヒートマップの配色</translation>
    </message>
    <message>
        <source>Legend</source>
        <translation>凡例</translation>
    </message>
    <message>
        <source>This image</source>
        <translation>この画像</translation>
    </message>
    <message>
        <source>Findings  (click one to go to its image)</source>
        <translation>所見  （クリックで該当画像へ移動）</translation>
    </message>
    <message>
        <source>Clear AI results of this series</source>
        <translation>このシリーズのAI結果を消去</translation>
    </message>
    <message>
        <source>Hide boxes scoring below this. The model's own threshold is the lowest: its version was validated with it.</source>
        <translation>このスコア未満のボックスを隠します。下限はモデル既定の閾値です（このバージョンはその値で検証済み）。</translation>
    </message>
</context>
<context>
    <name>Bindings</name>
    <message>
        <source>Viewport</source>
        <translation>ビューポート</translation>
    </message>
    <message>
        <source>Application</source>
        <translation>アプリケーション</translation>
    </message>
    <message>
        <source>Left drag</source>
        <translation>左ドラッグ</translation>
    </message>
    <message>
        <source>Middle drag</source>
        <translation>中ドラッグ</translation>
    </message>
    <message>
        <source>Right drag</source>
        <translation>右ドラッグ</translation>
    </message>
    <message>
        <source>Wheel</source>
        <translation>ホイール</translation>
    </message>
    <message>
        <source>Move</source>
        <translation>移動</translation>
    </message>
    <message>
        <source>Drop files or folders</source>
        <translation>ファイル・フォルダをドロップ</translation>
    </message>
    <message>
        <source>Use the active tool (window/level by default)</source>
        <extracomment>The keys as shipped; BINDINGS is this with the user's remapping applied.</extracomment>
        <translation>選択中のツールを使用（既定はウィンドウ幅/レベル）</translation>
    </message>
    <message>
        <source>Pan</source>
        <translation>パン</translation>
    </message>
    <message>
        <source>Zoom (drag up to zoom in)</source>
        <translation>ズーム（上へドラッグで拡大）</translation>
    </message>
    <message>
        <source>Scroll through slices (down: next)</source>
        <translation>スライス送り（下: 次）</translation>
    </message>
    <message>
        <source>Show position and pixel value in the status bar</source>
        <translation>位置と画素値をステータスバーに表示</translation>
    </message>
    <message>
        <source>Left drag: window/level (right: wider, down: higher level, darker)</source>
        <translation>左ドラッグ: ウィンドウ幅/レベル（右: 幅を広く、下: レベルを上げて暗く）</translation>
    </message>
    <message>
        <source>Left drag: pan</source>
        <translation>左ドラッグ: パン</translation>
    </message>
    <message>
        <source>Left drag: zoom</source>
        <translation>左ドラッグ: ズーム</translation>
    </message>
    <message>
        <source>Left drag: scroll through slices</source>
        <translation>左ドラッグ: スライス送り</translation>
    </message>
    <message>
        <source>Measure distance (mm; px without pixel spacing)</source>
        <translation>距離計測（mm、画素間隔がない場合は px）</translation>
    </message>
    <message>
        <source>Measure angle (drag the first arm to the vertex, click the second)</source>
        <translation>角度計測（1本目を頂点までドラッグし、2本目をクリック）</translation>
    </message>
    <message>
        <source>Ellipse ROI: area, mean, SD, min, max (HU for CT)</source>
        <translation>楕円ROI: 面積・平均・SD・最小・最大（CTはHU）</translation>
    </message>
    <message>
        <source>Rectangle ROI: area, mean, SD, min, max (HU for CT)</source>
        <translation>矩形ROI: 面積・平均・SD・最小・最大（CTはHU）</translation>
    </message>
    <message>
        <source>Delete the selected measurement (or right-click it)</source>
        <translation>選択した計測を削除（または右クリック）</translation>
    </message>
    <message>
        <source>Previous slice</source>
        <translation>前のスライス</translation>
    </message>
    <message>
        <source>Next slice</source>
        <translation>次のスライス</translation>
    </message>
    <message>
        <source>Back 10% of the stack</source>
        <translation>スタックの10%戻る</translation>
    </message>
    <message>
        <source>Forward 10% of the stack</source>
        <translation>スタックの10%進む</translation>
    </message>
    <message>
        <source>First slice</source>
        <translation>最初のスライス</translation>
    </message>
    <message>
        <source>Last slice</source>
        <translation>最後のスライス</translation>
    </message>
    <message>
        <source>Play / pause cine</source>
        <translation>シネ再生 / 一時停止</translation>
    </message>
    <message>
        <source>Fit image to window</source>
        <translation>画像をウィンドウに合わせる</translation>
    </message>
    <message>
        <source>Actual size (1 image pixel = 1 screen pixel)</source>
        <translation>等倍表示（画像1画素 = 画面1画素）</translation>
    </message>
    <message>
        <source>The file's own window (press again for its next one, if several)</source>
        <translation>ファイル指定のウィンドウ（複数あれば再押下で次へ）</translation>
    </message>
    <message>
        <source>Window preset 1-9 (listed in View &gt; Window presets)</source>
        <translation>ウィンドウプリセット 1〜9（表示 &gt; ウィンドウプリセットに一覧）</translation>
    </message>
    <message>
        <source>Invert grey levels</source>
        <translation>白黒反転</translation>
    </message>
    <message>
        <source>Rotate 90 degrees clockwise</source>
        <translation>時計回りに90度回転</translation>
    </message>
    <message>
        <source>Flip horizontally</source>
        <translation>左右反転</translation>
    </message>
    <message>
        <source>Flip vertically</source>
        <translation>上下反転</translation>
    </message>
    <message>
        <source>Show / hide annotations (corner text, orientation, scale)</source>
        <translation>注釈の表示 / 非表示（四隅の文字、方向、スケール）</translation>
    </message>
    <message>
        <source>Show / hide all AI overlays (masks, boxes, heatmaps)</source>
        <translation>すべてのAIオーバーレイの表示 / 非表示（マスク、ボックス、ヒートマップ）</translation>
    </message>
    <message>
        <source>Reset: fit, file window, no rotation, flip or invert</source>
        <translation>リセット: 全体表示、ファイルのウィンドウ、回転・反転なし</translation>
    </message>
    <message>
        <source>MPR: left click / drag moves the crosshair (W, T, Z, S: other tools)</source>
        <translation>MPR: 左クリック / ドラッグで十字カーソルを移動（W, T, Z, S: 他のツール）</translation>
    </message>
    <message>
        <source>Layout 1 × 1</source>
        <translation>レイアウト 1 × 1</translation>
    </message>
    <message>
        <source>Layout 1 × 2 (side by side)</source>
        <translation>レイアウト 1 × 2（左右に並べる）</translation>
    </message>
    <message>
        <source>Layout 2 × 1 (one above the other)</source>
        <translation>レイアウト 2 × 1（上下に並べる）</translation>
    </message>
    <message>
        <source>Layout 2 × 2</source>
        <translation>レイアウト 2 × 2</translation>
    </message>
    <message>
        <source>Make the next viewport active</source>
        <translation>次のビューポートをアクティブにする</translation>
    </message>
    <message>
        <source>Drag a series from the browser onto a viewport to show it there</source>
        <translation>ブラウザからシリーズをビューポートへドラッグして表示</translation>
    </message>
    <message>
        <source>Link scrolling by slice position (same frame of reference)</source>
        <translation>スライス位置で連動スクロール（同一座標系）</translation>
    </message>
    <message>
        <source>Link window/level between viewports of the same modality</source>
        <translation>同じモダリティのビューポート間でウィンドウ幅/レベルを連動</translation>
    </message>
    <message>
        <source>MPR: axial, coronal and sagittal planes of the active series (again: close)</source>
        <translation>MPR: アクティブなシリーズの横断・冠状断・矢状断（再度押すと閉じる）</translation>
    </message>
    <message>
        <source>MPR thick slab: off, MIP, MinIP, average (in turn)</source>
        <translation>MPR厚スラブ: オフ、MIP、MinIP、平均（順に切替）</translation>
    </message>
    <message>
        <source>MPR: show / hide the crosshair lines</source>
        <translation>MPR: 十字線の表示 / 非表示</translation>
    </message>
    <message>
        <source>Open files...</source>
        <translation>ファイルを開く...</translation>
    </message>
    <message>
        <source>Open folder...</source>
        <translation>フォルダを開く...</translation>
    </message>
    <message>
        <source>Open DICOMDIR...</source>
        <translation>DICOMDIRを開く...</translation>
    </message>
    <message>
        <source>Open the dropped files or folders</source>
        <translation>ドロップしたファイル・フォルダを開く</translation>
    </message>
    <message>
        <source>Hide patient identity</source>
        <translation>患者情報を隠す</translation>
    </message>
    <message>
        <source>Show DICOM tags of the current image</source>
        <translation>現在の画像のDICOMタグを表示</translation>
    </message>
    <message>
        <source>Save a screenshot of the viewport (PNG)...</source>
        <translation>ビューポートのスクリーンショットを保存（PNG）...</translation>
    </message>
    <message>
        <source>Export the series as de-identified DICOM...</source>
        <translation>シリーズを匿名化DICOMとして書き出し...</translation>
    </message>
    <message>
        <source>Export measurements (CSV or JSON)...</source>
        <translation>計測値を書き出し（CSV または JSON）...</translation>
    </message>
    <message>
        <source>Keyboard and mouse shortcuts</source>
        <translation>キーボードとマウスのショートカット</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>終了</translation>
    </message>
</context>
<context>
    <name>Boundary</name>
    <message>
        <source>Lightbox</source>
        <extracomment>A file that could not be used: (path, reason). One line for the status bar.</extracomment>
        <translation>Lightbox</translation>
    </message>
</context>
<context>
    <name>CornerText</name>
    <message>
        <source>Identity hidden</source>
        <translation>患者情報非表示</translation>
    </message>
    <message>
        <source>ID: {}</source>
        <translation>ID: {}</translation>
    </message>
    <message>
        <source>Born: {}</source>
        <translation>生年月日: {}</translation>
    </message>
    <message>
        <source>Se: {}</source>
        <translation>Se: {}</translation>
    </message>
    <message>
        <source>Se:</source>
        <translation>Se:</translation>
    </message>
    <message>
        <source>Im: {} / {}</source>
        <translation>Im: {} / {}</translation>
    </message>
    <message>
        <source>Loc: {:.1f} mm</source>
        <translation>位置: {:.1f} mm</translation>
    </message>
    <message>
        <source>Thick: {:g} mm</source>
        <translation>厚さ: {:g} mm</translation>
    </message>
    <message>
        <source>W: {:.0f} L: {:.0f}</source>
        <translation>WW: {:.0f} WL: {:.0f}</translation>
    </message>
    <message>
        <source>Zoom: {:.0f}%</source>
        <translation>ズーム: {:.0f}%</translation>
    </message>
    <message>
        <source>Inverted</source>
        <translation>白黒反転</translation>
    </message>
</context>
<context>
    <name>Crash</name>
    <message>
        <source>Lightbox</source>
        <extracomment>(error, thread name, report path or None), delivered on the GUI thread.</extracomment>
        <translation>Lightbox</translation>
    </message>
</context>
<context>
    <name>Exports</name>
    <message>
        <source>Save screenshot</source>
        <translation>スクリーンショットを保存</translation>
    </message>
    <message>
        <source>Include annotations and measurements (corner text, orientation, scale bar)</source>
        <translation>注釈と計測を含める（四隅の文字、方向、スケールバー）</translation>
    </message>
    <message>
        <source>Save screenshot…</source>
        <translation>スクリーンショットを保存…</translation>
    </message>
    <message>
        <source>Export series (de-identified)…</source>
        <translation>シリーズを書き出し（匿名化）…</translation>
    </message>
    <message>
        <source>Export measurements…</source>
        <translation>計測値を書き出し…</translation>
    </message>
    <message>
        <source>&amp;Measure</source>
        <translation>計測(&amp;M)</translation>
    </message>
    <message>
        <source>Window/level (end measuring)</source>
        <translation>ウィンドウ幅/レベル（計測終了）</translation>
    </message>
    <message>
        <source>Delete selected measurement</source>
        <translation>選択した計測を削除</translation>
    </message>
    <message>
        <source>Nothing to save: open an image first.</source>
        <translation>保存するものがありません。先に画像を開いてください。</translation>
    </message>
    <message>
        <source>No measurements to export: draw one first (Measure menu).</source>
        <translation>書き出す計測がありません。先に計測してください（計測メニュー）。</translation>
    </message>
    <message>
        <source>Export measurements</source>
        <translation>計測値を書き出し</translation>
    </message>
    <message>
        <source>Nothing to export: open a series first.</source>
        <translation>書き出すものがありません。先にシリーズを開いてください。</translation>
    </message>
    <message>
        <source>Only DICOM series can be exported as de-identified DICOM.</source>
        <translation>匿名化DICOMとして書き出せるのはDICOMシリーズのみです。</translation>
    </message>
    <message>
        <source>Export series (de-identified) to a new folder</source>
        <translation>シリーズを新しいフォルダへ書き出し（匿名化）</translation>
    </message>
</context>
<context>
    <name>HelpDialog</name>
    <message>
        <source>Lightbox shortcuts</source>
        <translation>Lightbox ショートカット</translation>
    </message>
    <message>
        <source>Keys / mouse</source>
        <translation>キー / マウス</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Viewport keys work when the image has keyboard focus (click it).</source>
        <translation>ビューポートのキーは画像にフォーカスがあるときに有効です（画像をクリック）。</translation>
    </message>
</context>
<context>
    <name>Layout</name>
    <message>
        <source>Drag a series here from the Studies list</source>
        <extracomment>Layout name -&gt; (rows, columns). "1x2" is one row of two viewports. MIME type of a series dragged from the browser: its browser key as ASCII digits.</extracomment>
        <translation>検査一覧からシリーズをここへドラッグ</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Studies</source>
        <extracomment>Seconds between scan progress updates sent to the GUI thread. Nothing left to do: no scan running or queued, the shown series loaded (or nothing to show) and the browser's thumbnails made. The screenshot mode waits for this.</extracomment>
        <translation>検査</translation>
    </message>
    <message>
        <source>Problems</source>
        <translation>問題</translation>
    </message>
    <message>
        <source>AI</source>
        <translation>AI</translation>
    </message>
    <message>
        <source>Images %v / %m</source>
        <translation>画像 %v / %m</translation>
    </message>
    <message>
        <source>Scanning %v / %m</source>
        <translation>走査中 %v / %m</translation>
    </message>
    <message>
        <source>⚠ Larger than the image cache</source>
        <translation>⚠ 画像キャッシュより大きい</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>キャンセル</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>ファイル(&amp;F)</translation>
    </message>
    <message>
        <source>Open files…</source>
        <translation>ファイルを開く…</translation>
    </message>
    <message>
        <source>Open folder…</source>
        <translation>フォルダを開く…</translation>
    </message>
    <message>
        <source>Open DICOMDIR…</source>
        <translation>DICOMDIRを開く…</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>終了</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>編集(&amp;E)</translation>
    </message>
    <message>
        <source>Preferences…</source>
        <translation>環境設定…</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>表示(&amp;V)</translation>
    </message>
    <message>
        <source>Window presets</source>
        <translation>ウィンドウプリセット</translation>
    </message>
    <message>
        <source>Fit to window</source>
        <translation>ウィンドウに合わせる</translation>
    </message>
    <message>
        <source>Actual size (1:1)</source>
        <translation>等倍表示（1:1）</translation>
    </message>
    <message>
        <source>Rotate 90° clockwise</source>
        <translation>時計回りに90°回転</translation>
    </message>
    <message>
        <source>Flip horizontal</source>
        <translation>左右反転</translation>
    </message>
    <message>
        <source>Flip vertical</source>
        <translation>上下反転</translation>
    </message>
    <message>
        <source>Reset view</source>
        <translation>表示をリセット</translation>
    </message>
    <message>
        <source>Play / pause cine</source>
        <translation>シネ再生 / 一時停止</translation>
    </message>
    <message>
        <source>Invert</source>
        <translation>白黒反転</translation>
    </message>
    <message>
        <source>Annotations</source>
        <translation>注釈</translation>
    </message>
    <message>
        <source>AI overlays</source>
        <translation>AIオーバーレイ</translation>
    </message>
    <message>
        <source>Hide patient identity</source>
        <translation>患者情報を隠す</translation>
    </message>
    <message>
        <source>Tag browser…</source>
        <translation>タグブラウザ…</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>ヘルプ(&amp;H)</translation>
    </message>
    <message>
        <source>Keyboard and mouse shortcuts</source>
        <translation>キーボードとマウスのショートカット</translation>
    </message>
    <message>
        <source>About Lightbox</source>
        <translation>Lightbox について</translation>
    </message>
    <message>
        <source>Your key bindings were not applied: {}</source>
        <translation>キー設定は適用されませんでした: {}</translation>
    </message>
    <message>
        <source>Lightbox started with safe settings because of a problem in its configuration:</source>
        <translation>設定ファイルに問題があるため、Lightbox は安全な設定で起動しました:</translation>
    </message>
    <message>
        <source>Scanning {}…</source>
        <translation>{} を走査中…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>キャンセル中…</translation>
    </message>
    <message>
        <source>Scan cancelled</source>
        <translation>走査をキャンセルしました</translation>
    </message>
    <message>
        <source>Nothing to display in {}: no DICOM files or images were found.</source>
        <translation>{} に表示できるものはありません。DICOMファイルや画像が見つかりませんでした。</translation>
    </message>
    <message>
        <source>{} file(s) could not be used, see Problems.</source>
        <translation>{} 件のファイルを使用できませんでした（「問題」を参照）。</translation>
    </message>
    <message>
        <source>, {} problem(s)</source>
        <translation>、問題 {} 件</translation>
    </message>
    <message>
        <source>Found {} study(ies), {} series</source>
        <translation>{} 検査、{} シリーズが見つかりました</translation>
    </message>
    <message>
        <source>This series needs {:.1f} MB, more than the image cache ({:.1f} MB): images far from the one shown are read again when needed.</source>
        <translation>このシリーズには {:.1f} MB 必要で、画像キャッシュ（{:.1f} MB）を超えています。表示中から離れた画像は必要に応じて再読込されます。</translation>
    </message>
    <message>
        <source>Open files</source>
        <translation>ファイルを開く</translation>
    </message>
    <message>
        <source>Open folder</source>
        <translation>フォルダを開く</translation>
    </message>
    <message>
        <source>Open DICOMDIR</source>
        <translation>DICOMDIRを開く</translation>
    </message>
    <message>
        <source>Unnamed</source>
        <translation>氏名なし</translation>
    </message>
    <message>
        <source>File window</source>
        <translation>ファイルのウィンドウ</translation>
    </message>
</context>
<context>
    <name>MprView</name>
    <message>
        <source>Off</source>
        <extracomment>3D Slicer's plane colours, which many radiologists know: axial red, sagittal yellow, coronal green. A crosshair line has the colour of the plane it stands for.</extracomment>
        <translation>オフ</translation>
    </message>
    <message>
        <source>Average</source>
        <translation>平均</translation>
    </message>
    <message>
        <source>Reading the series for MPR…</source>
        <extracomment>Gap left around the crosshair centre so the anatomy under it stays visible. The reader put the crosshair at (row, column) of the shown plane (image pixels). (row, column) of the crosshair in this plane, and the colours of its vertical and horizontal lines (the planes they stand for).</extracomment>
        <translation>MPR用にシリーズを読込中…</translation>
    </message>
    <message>
        <source>Slab: {}</source>
        <translation>スラブ: {}</translation>
    </message>
    <message>
        <source>MPR</source>
        <extracomment>The volume is built and the planes shown. The build ended without planes (cancelled or failed): the window goes back. A plane viewport became the active one.</extracomment>
        <translation>MPR</translation>
    </message>
    <message>
        <source>Thick slab: combine the planes within the slab thickness</source>
        <translation>厚スラブ: スラブ厚内の断面を合成</translation>
    </message>
    <message>
        <source>Crosshair</source>
        <translation>十字カーソル</translation>
    </message>
    <message>
        <source>Reading slices %v / %m</source>
        <translation>スライス読込中 %v / %m</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>キャンセル</translation>
    </message>
    <message>
        <source>Close MPR</source>
        <translation>MPRを閉じる</translation>
    </message>
    <message>
        <source>Slab</source>
        <translation>スラブ</translation>
    </message>
</context>
<context>
    <name>Preferences</name>
    <message>
        <source>Preferences</source>
        <translation>環境設定</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>言語</translation>
    </message>
    <message>
        <source>A new language applies when Lightbox is restarted.</source>
        <translation>言語の変更は Lightbox の再起動後に反映されます。</translation>
    </message>
    <message>
        <source>Hide patient identity when Lightbox starts</source>
        <translation>起動時に患者情報を隠す</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Keys (comma-separated)</source>
        <translation>キー（カンマ区切り）</translation>
    </message>
    <message>
        <source>Set by your IT department</source>
        <translation>IT部門により設定されています</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>キーボードショートカット</translation>
    </message>
    <message>
        <source>A key is bound twice: {}</source>
        <translation>同じキーが二重に割り当てられています: {}</translation>
    </message>
</context>
<context>
    <name>Problems</name>
    <message>
        <source>File</source>
        <translation>ファイル</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>理由</translation>
    </message>
</context>
<context>
    <name>TagBrowser</name>
    <message>
        <source>DICOM tags</source>
        <extracomment>Elements that identify the patient (PS3.15 basic profile, the ones a viewer shows). Every person name (VR PN) is hidden too, wherever it sits (SR content, sequences).</extracomment>
        <translation>DICOMタグ</translation>
    </message>
    <message>
        <source>No object selected</source>
        <translation>オブジェクトが選択されていません</translation>
    </message>
    <message>
        <source>Filter by tag (0010,0010 or 00100010), keyword or value</source>
        <translation>タグ（0010,0010 または 00100010）、キーワード、値で絞り込み</translation>
    </message>
</context>
<context>
    <name>Viewport</name>
    <message>
        <source>Open a study: File &gt; Open, or drop files or folders here</source>
        <extracomment>Which gesture each mouse button makes; "tool" means the active left-button tool. The shown series has every frame decoded (or failed) and the current one is ready. (done, total) frames of the shown series. Position and value under the mouse, for the status bar ("" when off the image). Display state changed (frozenset of field names), for the window title and menus. What an empty viewport says (the layout tells its other viewports to say more).</extracomment>
        <translation>検査を開く: ファイル &gt; 開く、またはここにファイル・フォルダをドロップ</translation>
    </message>
    <message>
        <source>No image to display</source>
        <translation>表示する画像がありません</translation>
    </message>
    <message>
        <source>Cannot display this image.</source>
        <translation>この画像は表示できません。</translation>
    </message>
</context>
<context>
    <name>WindowLayout</name>
    <message>
        <source>Layout</source>
        <translation>レイアウト</translation>
    </message>
    <message>
        <source>Next viewport</source>
        <translation>次のビューポート</translation>
    </message>
    <message>
        <source>Link scrolling by position</source>
        <translation>位置でスクロールを連動</translation>
    </message>
    <message>
        <source>Link window/level</source>
        <translation>ウィンドウ幅/レベルを連動</translation>
    </message>
    <message>
        <source>&amp;MPR</source>
        <translation>MPR(&amp;R)</translation>
    </message>
    <message>
        <source>MPR (axial, coronal, sagittal)</source>
        <translation>MPR（横断・冠状断・矢状断）</translation>
    </message>
    <message>
        <source>Next thick-slab mode</source>
        <translation>次の厚スラブモード</translation>
    </message>
    <message>
        <source>Crosshair tool (left button)</source>
        <translation>十字カーソルツール（左ボタン）</translation>
    </message>
    <message>
        <source>Show / hide crosshair lines</source>
        <translation>十字線の表示 / 非表示</translation>
    </message>
    <message>
        <source>Open a CT or MR series first, then choose MPR.</source>
        <translation>先にCTまたはMRのシリーズを開いてから、MPRを選んでください。</translation>
    </message>
</context>
</TS>