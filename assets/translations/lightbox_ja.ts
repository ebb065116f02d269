<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="ja">
<context>
    <name>AiDialogs</name>
    <message>
        <source>Outside the model's intended use</source>
        <translation>モデルの使用目的外</translation>
    </message>
    <message>
        <source>&lt;b&gt;{}&lt;/b&gt; is not made for this image:</source>
        <translation>&lt;b&gt;{}&lt;/b&gt; はこの画像を対象としたモデルではありません:</translation>
    </message>
    <message>
        <source>Its results may be wrong. Run it anyway? If you do, these warnings are shown with every result.</source>
        <translation>結果が誤っている可能性があります。それでも実行しますか？実行した場合、これらの警告がすべての結果とともに表示されます。</translation>
    </message>
    <message>
        <source>Run anyway</source>
        <translation>それでも実行</translation>
    </message>
    <message>
        <source>Don't run</source>
        <translation>実行しない</translation>
    </message>
    <message>
        <source>This model has no model card ({} is missing from {}).</source>
        <translation>このモデルにはモデルカードがありません（{1} に {0} がありません）。</translation>
    </message>
    <message>
        <source>The model card {} of {} cannot be read: {}</source>
        <translation>{1} のモデルカード {0} を読み込めません: {2}</translation>
    </message>
    <message>
        <source>Series for each input</source>
        <translation>入力ごとのシリーズ</translation>
    </message>
    <message>
        <source>&lt;b&gt;{}&lt;/b&gt; reads more than one series of this study. Check the series for each input:</source>
        <translation>&lt;b&gt;{}&lt;/b&gt; はこの検査の複数のシリーズを読み込みます。入力ごとのシリーズを確認してください:</translation>
    </message>
    <message>
        <source>Runs on: {}</source>
        <translation>実行対象: {}</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>実行</translation>
    </message>
    <message>
        <source>Series that fit: {}</source>
        <translation>適合するシリーズ: {}</translation>
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
        <source> · 1 finding</source>
        <translation> · 所見 1 件</translation>
    </message>
    <message>
        <source> · {} findings</source>
        <translation> · 所見 {} 件</translation>
    </message>
    <message>
        <source> (best {})</source>
        <translation>（最高 {}）</translation>
    </message>
    <message>
        <source>⚠ Outside intended use (accepted): </source>
        <translation>⚠ 使用目的外（承認済み）: </translation>
    </message>
    <message>
        <source>⚠ Unlike the model's training data: </source>
        <translation>⚠ モデルの学習データと異なる画像: </translation>
    </message>
    <message>
        <source>AI results hidden · press A to show</source>
        <translation>AI結果は非表示・Aキーで表示</translation>
    </message>
    <message>
        <source> · demonstration, not for clinical use</source>
        <translation> · デモ用・臨床使用不可</translation>
    </message>
</context>
<context>
    <name>AiPanel</name>
    <message>
        <source>Verifying models…</source>
        <extracomment>Marked here, translated where shown (the text is needed before any translator exists).</extracomment>
        <translation>モデルを検証中…</translation>
    </message>
    <message>
        <source>An AI run is going on another series.</source>
        <extracomment>The status dot of a row: applies, outside intended use (may run on a yes), cannot run. The series of each input read from another series, as the reader confirmed them. The configured inference server it runs on ("": here). The registry is built (or failed to build). A run ended: "ok", "cancelled", "declined" (intended use) or "error". One line on how the run goes (also for the status bar). The effective configuration (allowed models, model folders, audit folder). The site's drift alerts over this workstation's audit logs (drift_marks).</extracomment>
        <translation>別のシリーズで AI を実行中です。</translation>
    </message>
    <message>
        <source>Model card…</source>
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
        <source>MPR planes are derived images: AI runs on the acquired series.</source>
        <translation>MPR 断面は再構成画像のため、AI は元のシリーズで実行します。</translation>
    </message>
    <message>
        <source>{} of {} model(s) verified. Open a series to run one.</source>
        <translation>{1} 個中 {0} 個のモデルを検証しました。実行するにはシリーズを開いてください。</translation>
    </message>
    <message>
        <source>{} of {} model(s) apply to this series.</source>
        <translation>{1} 個中 {0} 個のモデルがこのシリーズに適用できます。</translation>
    </message>
    <message>
        <source>Unavailable: {}</source>
        <translation>使用不可: {}</translation>
    </message>
    <message>
        <source>Cannot run on this series: </source>
        <translation>このシリーズには実行できません: </translation>
    </message>
    <message>
        <source>Not made for this series: </source>
        <translation>このシリーズは対象外です: </translation>
    </message>
    <message>
        <source>DEMO · NOT FOR CLINICAL USE</source>
        <translation>デモ・臨床使用不可</translation>
    </message>
    <message>
        <source>Cannot run {}: {}</source>
        <translation>{} を実行できません: {}</translation>
    </message>
    <message>
        <source>Not run: no series was confirmed for AI · {}.</source>
        <translation>未実行: AI · {} のシリーズが確認されませんでした。</translation>
    </message>
    <message>
        <source>this image</source>
        <translation>この画像</translation>
    </message>
    <message>
        <source>{} images</source>
        <translation>{} 画像</translation>
    </message>
    <message>
        <source>{} on {}</source>
        <translation>{}（{} で）</translation>
    </message>
    <message>
        <source>%v / %m steps</source>
        <translation>%v / %m ステップ</translation>
    </message>
    <message>
        <source>Running AI · {} on {}…</source>
        <translation>AI · {} を {} で実行中…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>キャンセル中…</translation>
    </message>
    <message>
        <source>Cancelled: AI · {} added nothing.</source>
        <translation>キャンセルしました: AI · {} の結果は追加されていません。</translation>
    </message>
    <message>
        <source>AI · {} was not recorded in the audit log, so its results were not added: {}</source>
        <translation>AI · {} は監査ログに記録できなかったため、結果は追加されていません: {}</translation>
    </message>
    <message>
        <source>AI · {} failed: {}</source>
        <translation>AI · {} が失敗しました: {}</translation>
    </message>
    <message>
        <source>AI · {} is not made for this image: waiting for your choice.</source>
        <translation>AI · {} はこの画像を対象としていません: 選択をお待ちしています。</translation>
    </message>
    <message>
        <source>Not run: AI · {} is outside its intended use here.</source>
        <translation>未実行: この画像は AI · {} の使用目的外です。</translation>
    </message>
    <message>
        <source>AI: no image was run</source>
        <translation>AI: 処理された画像はありません</translation>
    </message>
    <message>
        <source>AI · {} {}: 1 image done</source>
        <translation>AI · {} {}: 1 画像を処理しました</translation>
    </message>
    <message>
        <source>AI · {} {}: {} images done</source>
        <translation>AI · {} {}: {} 画像を処理しました</translation>
    </message>
    <message>
        <source>{} {} mL</source>
        <translation>{} {} mL</translation>
    </message>
    <message>
        <source>Run on {}</source>
        <extracomment>Per (server, model id): None while the check goes, "" when it may run there, else why not.</extracomment>
        <translation>{} で実行</translation>
    </message>
    <message>
        <source>This model reads other series of the study: it runs here only.</source>
        <translation>このモデルは検査の他のシリーズも読み込むため、ここでのみ実行できます。</translation>
    </message>
    <message>
        <source>Checking that {} serves this model…</source>
        <translation>{} がこのモデルを提供しているか確認中…</translation>
    </message>
    <message>
        <source>Runs the whole series on {} ({}), the same model as here</source>
        <translation>シリーズ全体を {}（{}）で実行します（ここと同じモデル）</translation>
    </message>
</context>
<context>
    <name>AiResults</name>
    <message>
        <source>AI · demonstration, not for clinical use · {}</source>
        <translation>AI · デモ・臨床使用不可 · {}</translation>
    </message>
    <message>
        <source> · on {} ({})</source>
        <translation> · {} で実行（{}）</translation>
    </message>
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
        <source>as the model says</source>
        <translation>モデルの指定どおり</translation>
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
    <message>
        <source>Box score threshold for AI · {}: {} (model's: {})</source>
        <translation>AI · {} のボックススコア閾値: {}（モデル既定: {}）</translation>
    </message>
    <message>
        <source>{} box(es) at score ≥ {}</source>
        <translation>スコア {1} 以上のボックス: {0} 個</translation>
    </message>
    <message>
        <source>Mask: {}</source>
        <translation>マスク: {}</translation>
    </message>
    <message>
        <source>nothing found</source>
        <translation>検出なし</translation>
    </message>
    <message>
        <source>Input {}: image {} of series {}</source>
        <translation>入力 {0}: シリーズ {2} の画像 {1}</translation>
    </message>
    <message>
        <source> · resampled onto this image's pixels</source>
        <translation>・この画像の画素に再標本化</translation>
    </message>
    <message>
        <source>⚠ Accepted outside intended use: {}</source>
        <translation>⚠ 使用目的外を承認済み: {}</translation>
    </message>
    <message>
        <source> · demonstration</source>
        <translation> · デモ</translation>
    </message>
    <message>
        <source>Im {}</source>
        <translation>画像 {}</translation>
    </message>
    <message>
        <source>Im {}–{}</source>
        <translation>画像 {}–{}</translation>
    </message>
    <message>
        <source>best {}</source>
        <translation>最高 {}</translation>
    </message>
    <message>
        <source>{:.0f} mm² on this image</source>
        <translation>この画像で {:.0f} mm²</translation>
    </message>
    <message>
        <source>{:.1f} mL</source>
        <translation>{:.1f} mL</translation>
    </message>
</context>
<context>
    <name>Annotations</name>
    <message>
        <source>Save annotations…</source>
        <extracomment>Annotation files (path → SOP Class UID) not applied yet: their images are not open; applied when they are.</extracomment>
        <translation>注釈を保存…</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>元に戻す</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>やり直す</translation>
    </message>
    <message>
        <source>Mark / unmark key image</source>
        <translation>キー画像に設定 / 解除</translation>
    </message>
    <message>
        <source>Nothing to undo</source>
        <translation>元に戻す操作はありません</translation>
    </message>
    <message>
        <source>Nothing to redo</source>
        <translation>やり直す操作はありません</translation>
    </message>
    <message>
        <source>The measurements and key images are still in this session: choose another folder with File &gt; Save annotations…</source>
        <translation>計測とキー画像はこのセッションに残っています。ファイル &gt; 注釈を保存… で別のフォルダを選んでください。</translation>
    </message>
    <message>
        <source>Saved annotations: {}</source>
        <translation>注釈を保存しました: {}</translation>
    </message>
    <message>
        <source>{} annotation(s) on MPR planes or on non-DICOM images cannot be saved as DICOM; export them with File &gt; Export measurements.</source>
        <translation>MPR 断面または DICOM 以外の画像上の注釈 {} 件は DICOM として保存できません。ファイル &gt; 計測値を書き出し で書き出してください。</translation>
    </message>
    <message>
        <source>Save annotations in folder</source>
        <translation>注釈の保存先フォルダ</translation>
    </message>
    <message>
        <source>Annotations saved with the study are shown ({})</source>
        <translation>検査とともに保存された注釈を表示しています（{} 件）</translation>
    </message>
    <message>
        <source>Unsaved annotations</source>
        <translation>未保存の注釈</translation>
    </message>
    <message>
        <source>This session has measurements or key images that are not saved. Save them with the study before closing?</source>
        <translation>このセッションには保存されていない計測またはキー画像があります。閉じる前に検査とともに保存しますか？</translation>
    </message>
</context>
<context>
    <name>Arriving</name>
    <message>
        <source>⚠ Incomplete: {} / {} images</source>
        <extracomment>How often a followed study's folder is listed. Studies whose delivery stopped short: the line they keep while shown.</extracomment>
        <translation>⚠ 未完了: {} / {} 画像</translation>
    </message>
    <message>
        <source>⚠ Incomplete: {} images</source>
        <translation>⚠ 未完了: {} 画像</translation>
    </message>
    <message>
        <source>Receiving {} / {} images…</source>
        <translation>受信中 {} / {} 画像…</translation>
    </message>
    <message>
        <source>Receiving: {} images so far…</source>
        <translation>受信中: これまでに {} 画像…</translation>
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
        <source>Ctrl+Wheel</source>
        <translation>Ctrl+ホイール</translation>
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
        <source>Zoom about the mouse pointer (up: zoom in, 10% a notch)</source>
        <translation>マウスポインタを中心に拡大縮小（上: 拡大、1 ノッチ 10%）</translation>
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
        <source>Mark / unmark the image as a key image</source>
        <translation>画像をキー画像に設定 / 解除</translation>
    </message>
    <message>
        <source>Undo the last measurement or key image change</source>
        <translation>直前の計測・キー画像の変更を元に戻す</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>やり直す</translation>
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
        <source>Cine: fewer frames per second (down to 1)</source>
        <translation>シネ: フレームレートを下げる（最小 1）</translation>
    </message>
    <message>
        <source>Cine: more frames per second (up to 60)</source>
        <translation>シネ: フレームレートを上げる（最大 60）</translation>
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
        <source>Link two viewports with an offset: their current slices match (a prior against a current; again: unlink)</source>
        <translation>2 つのビューポートをオフセット付きで連動: 現在のスライス同士を対応させます（過去検査と今回検査の比較。もう一度: 解除）</translation>
    </message>
    <message>
        <source>Show / hide reference lines of the other viewports</source>
        <translation>他のビューポートの参照線を表示 / 非表示</translation>
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
        <source>Search the PACS (configured DICOM nodes)...</source>
        <translation>PACSを検索（設定済みのDICOMノード）...</translation>
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
        <source>Save measurements and key images with the study (DICOM)...</source>
        <translation>計測とキー画像を検査とともに保存（DICOM）...</translation>
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
        <source>Unexpected error while {}: {}</source>
        <extracomment>A file that could not be used: (path, reason). One line for the status bar.</extracomment>
        <translation>{}中に予期しないエラーが発生しました: {}</translation>
    </message>
    <message>
        <source>Unexpected error: {}</source>
        <translation>予期しないエラー: {}</translation>
    </message>
    <message>
        <source>Lightbox</source>
        <translation>Lightbox</translation>
    </message>
    <message>
        <source>decoding an image</source>
        <extracomment>What the UI was doing when an error reached the boundary, as callers name it; others (AI model titles, action ids) are shown as they are.</extracomment>
        <translation>画像のデコード</translation>
    </message>
    <message>
        <source>rendering an image</source>
        <translation>画像の描画</translation>
    </message>
    <message>
        <source>scanning</source>
        <translation>ファイルの走査</translation>
    </message>
    <message>
        <source>opening a series</source>
        <translation>シリーズを開く処理</translation>
    </message>
    <message>
        <source>opening a dropped series</source>
        <translation>ドロップされたシリーズを開く処理</translation>
    </message>
    <message>
        <source>showing tags</source>
        <translation>タグの表示</translation>
    </message>
    <message>
        <source>making a thumbnail</source>
        <translation>サムネイルの作成</translation>
    </message>
    <message>
        <source>building the MPR volume</source>
        <translation>MPRボリュームの構築</translation>
    </message>
    <message>
        <source>exporting a series</source>
        <translation>シリーズの書き出し</translation>
    </message>
    <message>
        <source>running a model</source>
        <translation>モデルの実行</translation>
    </message>
    <message>
        <source>verifying the AI models</source>
        <translation>AIモデルの検証</translation>
    </message>
    <message>
        <source>reading a report</source>
        <translation>レポートの読み込み</translation>
    </message>
    <message>
        <source>going to an image</source>
        <translation>画像への移動</translation>
    </message>
    <message>
        <source>reading contours</source>
        <translation>輪郭の読み込み</translation>
    </message>
    <message>
        <source>searching the PACS</source>
        <translation>PACSの検索</translation>
    </message>
    <message>
        <source>listing the series</source>
        <translation>シリーズの一覧取得</translation>
    </message>
    <message>
        <source>retrieving from the PACS</source>
        <translation>PACSからの取得</translation>
    </message>
</context>
<context>
    <name>Browser</name>
    <message>
        <source>no image to display</source>
        <translation>表示できる画像なし</translation>
    </message>
    <message>
        <source>Unnamed</source>
        <translation>氏名なし</translation>
    </message>
    <message>
        <source>(no description)</source>
        <translation>（説明なし）</translation>
    </message>
    <message>
        <source>1 image</source>
        <translation>1 画像</translation>
    </message>
    <message>
        <source>{} images</source>
        <translation>{} 画像</translation>
    </message>
    <message>
        <source>position</source>
        <translation>位置</translation>
    </message>
    <message>
        <source>instance number</source>
        <translation>インスタンス番号</translation>
    </message>
    <message>
        <source>file order</source>
        <translation>ファイル順</translation>
    </message>
    <message>
        <source>{}, {}, ordered by {}</source>
        <extracomment>The reader chose a series with images: (series, study). The reader chose an object without images: its instance (for the tag browser). A thumbnail job failed: the exception, for the error boundary. The last pending thumbnail arrived (or failed).</extracomment>
        <translation>{}、{}、{}で並べ替え</translation>
    </message>
    <message>
        <source>Warnings:</source>
        <translation>警告:</translation>
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
        <translation>画像: {} / {}</translation>
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
    <message>
        <source>{}  W: {:.0f} L: {:.0f}</source>
        <extracomment>The window's name before its values, so the reader knows a preset is on ("Lung W...").</extracomment>
        <translation>{}  W: {:.0f} L: {:.0f}</translation>
    </message>
    <message>
        <source>Cine {:g} fps</source>
        <translation>シネ {:g} fps</translation>
    </message>
    <message>
        <source>LOSSY</source>
        <translation>非可逆圧縮</translation>
    </message>
    <message>
        <source>File window</source>
        <extracomment>The names file windows get in viewer.imaging.presets.file_presets (shown translated).</extracomment>
        <translation>ファイルのウィンドウ</translation>
    </message>
    <message>
        <source>File VOI LUT</source>
        <translation>ファイルの VOI LUT</translation>
    </message>
    <message>
        <source>Image range</source>
        <translation>画像の値範囲</translation>
    </message>
</context>
<context>
    <name>Crash</name>
    <message>
        <source>the log folder</source>
        <extracomment>(error, thread name, report path or None), delivered on the GUI thread.</extracomment>
        <translation>ログフォルダー</translation>
    </message>
    <message>
        <source>{} more unexpected error(s) since; their reports are in {}.</source>
        <translation>その後さらに {} 件の予期しないエラーが発生しました。レポートは {} にあります。</translation>
    </message>
    <message>
        <source>Lightbox</source>
        <translation>Lightbox</translation>
    </message>
    <message>
        <source>A report was saved to:
{}</source>
        <translation>レポートを保存しました:
{}</translation>
    </message>
    <message>
        <source>No report could be saved (see the application log).</source>
        <translation>レポートを保存できませんでした（アプリケーションログを参照してください）。</translation>
    </message>
    <message>
        <source>Lightbox hit an unexpected error ({}).</source>
        <translation>Lightbox で予期しないエラーが発生しました（{}）。</translation>
    </message>
    <message>
        <source>You can keep working. If something looks wrong, restart Lightbox. Please send the report to your IT support; it holds no patient data.</source>
        <translation>このまま作業を続けられます。表示がおかしい場合は Lightbox を再起動してください。レポートを IT サポートへ送ってください（患者情報は含まれません）。</translation>
    </message>
</context>
<context>
    <name>Drift</name>
    <message>
        <source>DRIFT UNDER REVIEW</source>
        <translation>ドリフト確認中</translation>
    </message>
    <message>
        <source>Drift under review</source>
        <translation>ドリフト確認中</translation>
    </message>
    <message>
        <source>Recent runs of this model version crossed a threshold set by IT. Results remain available; the department reviews whether the model still fits its images.</source>
        <translation>このモデルバージョンの最近の実行が、IT部門の設定した閾値を超えました。結果は引き続き利用できます。モデルが現在の画像に適合しているかを部門で確認します。</translation>
    </message>
    <message>
        <source>images unlike the training data</source>
        <translation>学習データと異なる画像</translation>
    </message>
    <message>
        <source>images shifted from the training data</source>
        <translation>学習データからずれた画像</translation>
    </message>
    <message>
        <source>PSI (90th percentile of the runs' medians)</source>
        <translation>PSI（各実行の中央値の90パーセンタイル）</translation>
    </message>
    <message>
        <source>{}: {} (threshold {}), {}, {} runs</source>
        <translation>{}: {}（閾値 {}）、{}、{} 回の実行</translation>
    </message>
    <message>
        <source>output {} ({}) changed by {} from the reference period (threshold {}), {}, {} runs</source>
        <translation>出力 {}（{}）が基準期間から {} 変化（閾値 {}）、{}、{} 回の実行</translation>
    </message>
</context>
<context>
    <name>Exports</name>
    <message>
        <source>Window/level</source>
        <extracomment>Marked for lupdate; translated where shown (``tool_name``).</extracomment>
        <translation>ウィンドウ幅/レベル</translation>
    </message>
    <message>
        <source>Pan</source>
        <translation>パン</translation>
    </message>
    <message>
        <source>Zoom</source>
        <translation>ズーム</translation>
    </message>
    <message>
        <source>Scroll</source>
        <translation>スクロール</translation>
    </message>
    <message>
        <source>Distance</source>
        <translation>距離</translation>
    </message>
    <message>
        <source>Angle</source>
        <translation>角度</translation>
    </message>
    <message>
        <source>Ellipse ROI</source>
        <translation>楕円ROI</translation>
    </message>
    <message>
        <source>Rectangle ROI</source>
        <translation>矩形ROI</translation>
    </message>
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
        <source>Crosshair</source>
        <translation>十字カーソル</translation>
    </message>
    <message>
        <source>Tool: {}</source>
        <translation>ツール: {}</translation>
    </message>
    <message>
        <source>Nothing to save: open an image first.</source>
        <translation>保存するものがありません。先に画像を開いてください。</translation>
    </message>
    <message>
        <source>Cannot save {}: the image could not be encoded.</source>
        <translation>{} を保存できません: 画像をエンコードできませんでした。</translation>
    </message>
    <message>
        <source>Saved {}</source>
        <translation>{} を保存しました</translation>
    </message>
    <message>
        <source>PNG image (*.png)</source>
        <translation>PNG 画像 (*.png)</translation>
    </message>
    <message>
        <source>No measurements to export: draw one first (Measure menu).</source>
        <translation>書き出す計測がありません。先に計測してください（計測メニュー）。</translation>
    </message>
    <message>
        <source>Exported {} measurement(s) to {}</source>
        <translation>{} 件の計測を {} に書き出しました</translation>
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
        <source>Exporting {} file(s)…</source>
        <translation>{} ファイルを書き出し中…</translation>
    </message>
    <message>
        <source>Exported {} de-identified file(s) to {}</source>
        <translation>匿名化した {} ファイルを {} に書き出しました</translation>
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
        <source>1 × 1</source>
        <extracomment>Layout name -&gt; (rows, columns). "1x2" is one row of two viewports. Marked for lupdate; translated where shown (the View &gt; Layout menu).</extracomment>
        <translation>1 × 1</translation>
    </message>
    <message>
        <source>1 × 2 (side by side)</source>
        <translation>1 × 2（左右に並べる）</translation>
    </message>
    <message>
        <source>2 × 1 (one above the other)</source>
        <translation>2 × 1（上下に並べる）</translation>
    </message>
    <message>
        <source>2 × 2</source>
        <translation>2 × 2</translation>
    </message>
    <message>
        <source>Drag a series here from the Studies list</source>
        <extracomment>MIME type of a series dragged from the browser: its browser key as ASCII digits.</extracomment>
        <translation>検査一覧からシリーズをここへドラッグ</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Studies</source>
        <extracomment>Nothing left to do: no scan running or queued, the shown series loaded (or nothing to show) and the browser's thumbnails made. The screenshot mode waits for this. A scan is over and its result (a ScanResult; None when cancelled or failed) shown.</extracomment>
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
        <source>Study list</source>
        <translation>検査リスト</translation>
    </message>
    <message>
        <source>Images %v / %m</source>
        <extracomment>Scans whose studies wait to enter the study list until it is started.</extracomment>
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
        <source>Search PACS…</source>
        <translation>PACS検索…</translation>
    </message>
    <message>
        <source>No PACS is configured: your IT department lists the DICOM nodes (docs/pacs.md)</source>
        <translation>PACSが設定されていません。DICOMノードはIT部門が設定します（docs/pacs.md）</translation>
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
        <source>Cine slower</source>
        <translation>シネを遅く</translation>
    </message>
    <message>
        <source>Cine faster</source>
        <translation>シネを速く</translation>
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
        <source>Save hanging protocol</source>
        <translation>表示配置（ハンギングプロトコル）を保存</translation>
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
        <source>{}: everything in it is already open</source>
        <translation>{}: 既にすべて開いています</translation>
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
        <source>This object refers to {} image(s) that are not open; open the study it belongs to first.</source>
        <translation>このオブジェクトが参照する {} 画像が開かれていません。先に対象の検査を開いてください。</translation>
    </message>
    <message>
        <source>AI results saved as DICOM are shown again</source>
        <translation>DICOMとして保存されたAI結果を再表示しています</translation>
    </message>
    <message>
        <source>{}: open the series it refers to first</source>
        <translation>{}: 先に参照先のシリーズを開いてください</translation>
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
    <message>
        <source>Lightbox connects only to what your IT configured ({}): no update checks, no telemetry, nothing downloaded.</source>
        <translation>Lightbox はITが設定した接続先（{}）にのみ接続します。更新の確認、テレメトリ、ダウンロードは行いません。</translation>
    </message>
    <message>
        <source>standalone build</source>
        <translation>スタンドアロン版</translation>
    </message>
    <message>
        <source>Python package</source>
        <translation>Python パッケージ</translation>
    </message>
    <message>
        <source>none ({} not present)</source>
        <translation>なし（{} がありません）</translation>
    </message>
    <message>
        <source>An offline DICOM viewer with local AI models.</source>
        <translation>ローカル AI モデルを備えたオフライン DICOM ビューア。</translation>
    </message>
    <message>
        <source>Lightbox makes no network connection, ever: no update checks, no telemetry, nothing downloaded. Images and results stay on this computer.</source>
        <translation>Lightbox はネットワークに一切接続しません。更新の確認、テレメトリ、ダウンロードは行いません。画像と結果はこのコンピューターの外に出ません。</translation>
    </message>
    <message>
        <source>Build: {}</source>
        <translation>ビルド: {}</translation>
    </message>
    <message>
        <source>System: {}</source>
        <translation>システム: {}</translation>
    </message>
    <message>
        <source>Site configuration: {}</source>
        <translation>施設の設定: {}</translation>
    </message>
    <message>
        <source>Logs: {}</source>
        <translation>ログ: {}</translation>
    </message>
    <message>
        <source>AI audit log: {}</source>
        <translation>AI 監査ログ: {}</translation>
    </message>
    <message>
        <source>Not for diagnostic use unless your institution has validated it.</source>
        <translation>施設で検証されていない限り、診断には使用しないでください。</translation>
    </message>
    <message>
        <source>Showing {} while the rest is scanned; the series opens sorted when the scan is done</source>
        <extracomment>View settings carried from the early image to the sorted series (not the index: it is found again; not identity, annotations or the tool: those are the window's, unchanged).</extracomment>
        <translation>残りを走査中のため {} を表示しています。走査が終わるとシリーズが並べ替えられて開きます</translation>
    </message>
    <message>
        <source>Priors</source>
        <translation>過去検査</translation>
    </message>
    <message>
        <source>Priors ({})</source>
        <translation>過去検査 ({})</translation>
    </message>
</context>
<context>
    <name>Measure</name>
    <message>
        <source>at detector</source>
        <translation>検出器面</translation>
    </message>
    <message>
        <source>distance</source>
        <translation>距離</translation>
    </message>
    <message>
        <source>angle</source>
        <translation>角度</translation>
    </message>
    <message>
        <source>ellipse</source>
        <translation>楕円</translation>
    </message>
    <message>
        <source>rectangle</source>
        <translation>矩形</translation>
    </message>
    <message>
        <source>Area {:.1f} {}</source>
        <translation>面積 {:.1f} {}</translation>
    </message>
    <message>
        <source>Mean {:.1f} SD {:.1f}</source>
        <translation>平均 {:.1f} SD {:.1f}</translation>
    </message>
    <message>
        <source>Min {:g} Max {:g}</source>
        <translation>最小 {:g} 最大 {:g}</translation>
    </message>
    <message>
        <source>Delete {}</source>
        <translation>{}を削除</translation>
    </message>
</context>
<context>
    <name>ModelCard</name>
    <message>
        <source>Intended use</source>
        <extracomment>The card's fixed words, written by the core; lupdate collects them here and they are translated when shown (the manifest's own lines stay as the model's authors wrote them).</extracomment>
        <translation>使用目的</translation>
    </message>
    <message>
        <source>Limitations</source>
        <translation>制限事項</translation>
    </message>
    <message>
        <source>Training data</source>
        <translation>学習データ</translation>
    </message>
    <message>
        <source>Validation (held-out)</source>
        <translation>検証（ホールドアウトデータ）</translation>
    </message>
    <message>
        <source>Compared with the training data</source>
        <translation>学習データとの比較</translation>
    </message>
    <message>
        <source>Version and digest</source>
        <translation>バージョンとダイジェスト</translation>
    </message>
    <message>
        <source>Demonstration model — not for clinical use. It has not been validated on patient images and must not inform any diagnosis.</source>
        <translation>デモ用モデル — 臨床使用不可。患者画像での検証は行われておらず、診断の根拠にしてはなりません。</translation>
    </message>
    <message>
        <source>Model card — {}</source>
        <translation>モデルカード — {}</translation>
    </message>
    <message>
        <source>The manifest cannot be read: {}</source>
        <translation>マニフェストを読み込めません: {}</translation>
    </message>
    <message>
        <source>Card</source>
        <translation>カード</translation>
    </message>
</context>
<context>
    <name>Mpr</name>
    <message>
        <source>MPR · {}</source>
        <translation>MPR・{}</translation>
    </message>
    <message>
        <source>series</source>
        <translation>シリーズ</translation>
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
        <extracomment>Seconds between redrawing the planes while slices arrive. Gap left around the crosshair centre so the anatomy under it stays visible. The reader put the crosshair at (row, column) of the shown plane (image pixels). (row, column) of the crosshair in this plane, and the colours of its vertical and horizontal lines (the planes they stand for).</extracomment>
        <translation>MPR用にシリーズを読込中…</translation>
    </message>
    <message>
        <source>Slab: {}</source>
        <translation>スラブ: {}</translation>
    </message>
    <message>
        <source>MPR</source>
        <extracomment>The volume is built and the planes shown. The build ended without planes (cancelled or failed): the window goes back. A plane viewport became the active one. The reader took the slab offered for a series too large for memory: it is building. The open offer of a slab for a series over the memory budget (non-modal).</extracomment>
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
    <message>
        <source>MPR does not fit in memory</source>
        <translation>MPR がメモリに収まりません</translation>
    </message>
    <message>
        <source>Open the slab (images {} to {})</source>
        <translation>スラブを開く（画像 {}〜{}）</translation>
    </message>
</context>
<context>
    <name>PacsSearch</name>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Patient ID</source>
        <translation>患者ID</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日付</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>説明</translation>
    </message>
    <message>
        <source>Modalities</source>
        <translation>モダリティ</translation>
    </message>
    <message>
        <source>Accession</source>
        <translation>受付番号</translation>
    </message>
    <message>
        <source>Series</source>
        <translation>シリーズ</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>画像数</translation>
    </message>
    <message>
        <source>Retrieve</source>
        <translation>取得</translation>
    </message>
    <message>
        <source>Any date</source>
        <translation>全期間</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今日</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>過去7日間</translation>
    </message>
    <message>
        <source>Between</source>
        <translation>期間指定</translation>
    </message>
    <message>
        <source>Search PACS</source>
        <translation>PACS検索</translation>
    </message>
    <message>
        <source>DOE* (wildcards * and ?)</source>
        <translation>YAMADA*（ワイルドカード * と ?）</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>検索</translation>
    </message>
    <message>
        <source>Node</source>
        <translation>ノード</translation>
    </message>
    <message>
        <source>Patient name</source>
        <translation>患者名</translation>
    </message>
    <message>
        <source>Accession number</source>
        <translation>受付番号</translation>
    </message>
    <message>
        <source>Study date</source>
        <translation>検査日</translation>
    </message>
    <message>
        <source>Modality</source>
        <translation>モダリティ</translation>
    </message>
    <message>
        <source>%v / %m images</source>
        <translation>%v / %m 画像</translation>
    </message>
    <message>
        <source>Retrieve the selected studies or series into this workstation's store; each opens when complete</source>
        <translation>選択した検査またはシリーズをこの端末の保存先に取得します。完了したものから開きます</translation>
    </message>
    <message>
        <source>Cancel retrieve</source>
        <translation>取得を中止</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>検索中…</translation>
    </message>
    <message>
        <source>{} study(ies) found</source>
        <translation>{} 件の検査が見つかりました</translation>
    </message>
    <message>
        <source>More than {0} studies match: the first {0} are listed. Narrow the search (patient, accession number, date, modality).</source>
        <translation>該当する検査が {0} 件を超えています。最初の {0} 件を表示しています。検索条件（患者、受付番号、日付、モダリティ）を絞り込んでください。</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>待機中</translation>
    </message>
    <message>
        <source>{} / {} images</source>
        <translation>{} / {} 画像</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>開始中…</translation>
    </message>
    <message>
        <source>Complete · opened</source>
        <translation>完了・表示済み</translation>
    </message>
    <message>
        <source>Incomplete: {} / {} images (retrieve again)</source>
        <translation>未完了: {} / {} 画像（再取得してください）</translation>
    </message>
    <message>
        <source>Cancelled (retrieve again to resume)</source>
        <translation>中止（再取得で続きから再開）</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失敗</translation>
    </message>
</context>
<context>
    <name>Preferences</name>
    <message>
        <source>Patient identity (top left)</source>
        <translation>患者情報（左上）</translation>
    </message>
    <message>
        <source>Study description and date</source>
        <translation>検査の説明と検査日</translation>
    </message>
    <message>
        <source>Series number and description</source>
        <translation>シリーズ番号と説明</translation>
    </message>
    <message>
        <source>Image number, position and thickness</source>
        <translation>画像番号・位置・スライス厚</translation>
    </message>
    <message>
        <source>Window, zoom and inversion</source>
        <translation>ウィンドウ・ズーム・反転</translation>
    </message>
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
        <source>The file's own window</source>
        <translation>ファイル指定のウィンドウ</translation>
    </message>
    <message>
        <source>{} opens with</source>
        <translation>{} の初期ウィンドウ</translation>
    </message>
    <message>
        <source>Corner text shown on images</source>
        <translation>画像の四隅に表示する情報</translation>
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
        <extracomment>The visible "Set by your IT department" labels, by key (what a test and a reader both look for).</extracomment>
        <translation>キーボードショートカット</translation>
    </message>
    <message>
        <source>A key is bound twice: {}</source>
        <translation>同じキーが二重に割り当てられています: {}</translation>
    </message>
    <message>
        <source>Your preferences were not saved: {}</source>
        <translation>設定を保存できませんでした: {}</translation>
    </message>
</context>
<context>
    <name>Priors</name>
    <message>
        <source>Date</source>
        <translation>日付</translation>
    </message>
    <message>
        <source>Modality</source>
        <translation>モダリティ</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>説明</translation>
    </message>
    <message>
        <source>Body part</source>
        <translation>部位</translation>
    </message>
    <message>
        <source>Where</source>
        <translation>場所</translation>
    </message>
    <message>
        <source>Open a study: its patient's other studies are listed here.</source>
        <translation>検査を開くと、同じ患者の他の検査がここに一覧表示されます。</translation>
    </message>
    <message>
        <source>Open as comparison</source>
        <extracomment>The study the reader clicked (kept when a later answer refills the list).</extracomment>
        <translation>比較として開く</translation>
    </message>
    <message>
        <source>Hang the chosen prior beside the current study (retrieved from the PACS first if needed)</source>
        <translation>選択した過去検査を現在の検査の横に並べます（必要ならPACSから先に取得）</translation>
    </message>
    <message>
        <source>Save hanging</source>
        <translation>表示配置を保存</translation>
    </message>
    <message>
        <source>%v / %m images</source>
        <translation>%v / %m 画像</translation>
    </message>
    <message>
        <source>Cancel retrieve</source>
        <translation>取得を中止</translation>
    </message>
    <message>
        <source>This workstation</source>
        <translation>このワークステーション</translation>
    </message>
    <message>
        <source>PACS {}</source>
        <translation>PACS {}</translation>
    </message>
    <message>
        <source>The most recent comparable prior</source>
        <translation>比較可能な最新の過去検査</translation>
    </message>
    <message>
        <source>Looking for priors…</source>
        <extracomment>The study being read (the one whose priors are listed). The prior whose opening is awaited, to be hung when its scan ends. The retrieved prior handed to the scan (the retrieve queue reports often). The protocol the current study opened with, waiting for the priors' answer. The two viewports of the comparison on screen (current, prior). A scan done before the study list started (start() takes it up). The reader chose a series of the current study (not only what opened first).</extracomment>
        <translation>過去検査を検索中…</translation>
    </message>
    <message>
        <source>{} other study(ies) of this patient</source>
        <translation>この患者の他の検査 {} 件</translation>
    </message>
    <message>
        <source>Priors: {}</source>
        <translation>過去検査: {}</translation>
    </message>
    <message>
        <source>The saved hanging wants a comparison: no comparable prior was found.</source>
        <translation>保存された表示配置は比較を指定していますが、比較可能な過去検査が見つかりませんでした。</translation>
    </message>
    <message>
        <source>Set by your IT department</source>
        <translation>IT部門により設定されています</translation>
    </message>
    <message>
        <source>Open studies of this modality and body part as they hang now</source>
        <translation>このモダリティと部位の検査を、現在の配置で開くようにします</translation>
    </message>
    <message>
        <source>Retrieving the prior from {}…</source>
        <translation>{} から過去検査を取得中…</translation>
    </message>
    <message>
        <source>The prior was not retrieved: {}</source>
        <translation>過去検査を取得できませんでした: {}</translation>
    </message>
    <message>
        <source>The prior has no images to compare.</source>
        <translation>過去検査に比較できる画像がありません。</translation>
    </message>
    <message>
        <source>Saved: {} studies open beside their most recent comparable prior</source>
        <translation>保存しました: {} の検査は比較可能な最新の過去検査と並べて開きます</translation>
    </message>
    <message>
        <source>Saved: {} studies open alone</source>
        <translation>保存しました: {} の検査は単独で開きます</translation>
    </message>
</context>
<context>
    <name>ProblemText</name>
    <message>
        <source>not a DICOM file</source>
        <translation>DICOM ファイルではありません</translation>
    </message>
    <message>
        <source>not a DICOM file or supported image</source>
        <translation>DICOM ファイルでも対応画像形式でもありません</translation>
    </message>
    <message>
        <source>not a DICOM file (or badly damaged)</source>
        <translation>DICOM ファイルではありません（または大きく破損しています）</translation>
    </message>
    <message>
        <source>file is empty</source>
        <translation>ファイルが空です</translation>
    </message>
    <message>
        <source>file is truncated (header incomplete)</source>
        <translation>ファイルが途中で切れています（ヘッダーが不完全）</translation>
    </message>
    <message>
        <source>file is truncated (pixel data incomplete)</source>
        <translation>ファイルが途中で切れています（画素データが不完全）</translation>
    </message>
    <message>
        <source>file is truncated or damaged (less pixel data than the image size needs)</source>
        <translation>ファイルが途中で切れているか破損しています（画素データが画像サイズより不足）</translation>
    </message>
    <message>
        <source>file holds no DICOM data (only a file meta header)</source>
        <translation>DICOM データがありません（ファイルメタヘッダーのみ）</translation>
    </message>
    <message>
        <source>no image to display (this object holds no pixels)</source>
        <translation>表示できる画像がありません（画素データを含まないオブジェクト）</translation>
    </message>
    <message>
        <source>image is too large to open safely</source>
        <translation>画像が大きすぎるため安全に開けません</translation>
    </message>
    <message>
        <source>image is too large for the available memory</source>
        <translation>画像が大きすぎて使用可能なメモリーに収まりません</translation>
    </message>
    <message>
        <source>image data is truncated or damaged</source>
        <translation>画像データが途中で切れているか破損しています</translation>
    </message>
    <message>
        <source>damaged: pixel data without image size (Rows, Columns or Bits Allocated missing)</source>
        <translation>破損: 画像サイズのない画素データ（Rows、Columns または Bits Allocated がありません）</translation>
    </message>
    <message>
        <source>cannot be read ({})</source>
        <translation>読み込めません（{}）</translation>
    </message>
    <message>
        <source>cannot be opened ({})</source>
        <translation>開けません（{}）</translation>
    </message>
    <message>
        <source>images compressed as {} cannot be decoded (no decoder installed)</source>
        <translation>{} で圧縮された画像はデコードできません（デコーダーが未インストール）</translation>
    </message>
    <message>
        <source>the {} image data is damaged and cannot be decoded</source>
        <translation>{} の画像データが破損しておりデコードできません</translation>
    </message>
    <message>
        <source>the image data cannot be read ({})</source>
        <translation>画像データを読み込めません（{}）</translation>
    </message>
    <message>
        <source>Bits Allocated is {} (1, 8, 16, 32 or 64 are possible): the header contradicts the image data, so it is not shown</source>
        <translation>Bits Allocated が {} です（1、8、16、32、64 のみ可能）: ヘッダーが画像データと矛盾しているため表示しません</translation>
    </message>
    <message>
        <source>Bits Stored ({}) does not fit in Bits Allocated ({}): the header contradicts the image data, so it is not shown</source>
        <translation>Bits Stored（{}）が Bits Allocated（{}）に収まりません: ヘッダーが画像データと矛盾しているため表示しません</translation>
    </message>
    <message>
        <source>High Bit is {} where Bits Stored ({}) needs {}: the header contradicts the image data, so it is not shown</source>
        <translation>High Bit が {} ですが、Bits Stored（{}）では {} のはずです: ヘッダーが画像データと矛盾しているため表示しません</translation>
    </message>
    <message>
        <source>Pixel Representation is {} (0 or 1 are possible): the header contradicts the image data, so it is not shown</source>
        <translation>Pixel Representation が {} です（0 または 1 のみ可能）: ヘッダーが画像データと矛盾しているため表示しません</translation>
    </message>
    <message>
        <source>{} samples per pixel do not fit {} (it has {}): the header contradicts the image data, so it is not shown</source>
        <translation>サンプル数 {} は {} に合いません（{} が必要）: ヘッダーが画像データと矛盾しているため表示しません</translation>
    </message>
    <message>
        <source>the pixel data holds {} bytes where the header describes {}: the header contradicts the image data, so it is not shown</source>
        <translation>画素データは {} バイトですが、ヘッダーの記述は {} バイトです: ヘッダーが画像データと矛盾しているため表示しません</translation>
    </message>
    <message>
        <source>the compressed image is {}×{} where the header says {}×{}: the header contradicts the image data, so it is not shown</source>
        <translation>圧縮画像は {}×{} ですが、ヘッダーは {}×{} としています: ヘッダーが画像データと矛盾しているため表示しません</translation>
    </message>
    <message>
        <source>the compressed image has {} samples per pixel where the header says {}: the header contradicts the image data, so it is not shown</source>
        <translation>圧縮画像の 1 画素あたりのサンプル数は {} ですが、ヘッダーは {} としています: ヘッダーが画像データと矛盾しているため表示しません</translation>
    </message>
    <message>
        <source>the compressed image has {}-bit samples where Bits Allocated is {}: the header contradicts the image data, so it is not shown</source>
        <translation>圧縮画像のサンプルは {} ビットですが、Bits Allocated は {} です: ヘッダーが画像データと矛盾しているため表示しません</translation>
    </message>
    <message>
        <source>Segmentation (1 segment): open its images to see it</source>
        <translation>セグメンテーション（1 セグメント）: 表示するには元の画像を開いてください</translation>
    </message>
    <message>
        <source>Segmentation ({} segments): open its images to see it</source>
        <translation>セグメンテーション（{} セグメント）: 表示するには元の画像を開いてください</translation>
    </message>
    <message>
        <source>images have {} different sizes</source>
        <translation>画像サイズが {} 種類混在しています</translation>
    </message>
    <message>
        <source>mixed orientations ({} different image planes)</source>
        <translation>画像の向きが混在しています（{} 種類の断面）</translation>
    </message>
    <message>
        <source>uneven slice spacing ({} to {} mm)</source>
        <translation>スライス間隔が不均一です（{}～{} mm）</translation>
    </message>
    <message>
        <source>{} slice position(s) occur more than once (duplicates, or several acquisitions in one series)</source>
        <translation>{} か所のスライス位置が重複しています（重複画像、または 1 シリーズ内に複数回の撮像）</translation>
    </message>
    <message>
        <source>missing slices? {} gap(s) up to {} mm where {} mm is typical (about {} slice(s) missing)</source>
        <translation>スライス欠損の可能性: 通常 {2} mm 間隔のところ最大 {1} mm の隙間が {0} か所（約 {3} スライス欠損）</translation>
    </message>
    <message>
        <source>gantry tilt or sheared stack: slices are offset {}° from their normal (3-D views and measurements across slices may be distorted)</source>
        <translation>ガントリー傾斜またはずれのあるスタック: スライスが法線から {}° ずれています（3D 表示とスライスをまたぐ計測が歪む可能性があります）</translation>
    </message>
    <message>
        <source>Number of Frames is invalid; the frame count was taken from the pixel data size</source>
        <translation>Number of Frames が不正なため、フレーム数を画素データのサイズから求めました</translation>
    </message>
    <message>
        <source>modality is {}; the model is meant for {}</source>
        <translation>モダリティは {} です。このモデルの対象は {} です</translation>
    </message>
    <message>
        <source>body part is not recorded; the model is meant for {}</source>
        <translation>撮影部位が記録されていません。このモデルの対象は {} です</translation>
    </message>
    <message>
        <source>body part is {}; the model is meant for {}</source>
        <translation>撮影部位は {} です。このモデルの対象は {} です</translation>
    </message>
    <message>
        <source>view is {}; the model is meant for {}</source>
        <translation>撮影方向は {} です。このモデルの対象は {} です</translation>
    </message>
    <message>
        <source>pixel spacing is unknown; the model is meant for {}–{} mm</source>
        <translation>ピクセル間隔が不明です。このモデルの対象は {}–{} mm です</translation>
    </message>
    <message>
        <source>pixel spacing is {} mm; the model is meant for {}–{} mm</source>
        <translation>ピクセル間隔は {} mm です。このモデルの対象は {}–{} mm です</translation>
    </message>
    <message>
        <source>the series holds no image</source>
        <translation>このシリーズには画像がありません</translation>
    </message>
    <message>
        <source>the model reads {} consecutive slices; the series has {}</source>
        <translation>このモデルは連続する {} スライスを読み込みますが、このシリーズは {} スライスです</translation>
    </message>
    <message>
        <source>models with more than one input are not supported by this viewer</source>
        <translation>複数の入力を持つモデルにはこのビューアは対応していません</translation>
    </message>
    <message>
        <source>({} item(s) nested too deep)</source>
        <translation>（入れ子が深すぎる項目 {} 件）</translation>
    </message>
    <message>
        <source>(an item could not be read: {})</source>
        <translation>（読み込めない項目: {}）</translation>
    </message>
    <message>
        <source>(see item {})</source>
        <translation>（項目 {} を参照）</translation>
    </message>
    <message>
        <source>(an item without a value type)</source>
        <translation>（値の型がない項目）</translation>
    </message>
    <message>
        <source>(tcoord not shown)</source>
        <translation>（TCOORD は表示されません）</translation>
    </message>
    <message>
        <source>(waveform not shown)</source>
        <translation>（波形は表示されません）</translation>
    </message>
    <message>
        <source>(value type {} not shown)</source>
        <translation>（値の型 {} は表示されません）</translation>
    </message>
    <message>
        <source>(no value)</source>
        <translation>（値なし）</translation>
    </message>
    <message>
        <source>({} is not a number)</source>
        <translation>（{} は数値ではありません）</translation>
    </message>
    <message>
        <source>(object {})</source>
        <translation>（オブジェクト {}）</translation>
    </message>
    <message>
        <source>(no reference)</source>
        <translation>（参照なし）</translation>
    </message>
    <message>
        <source>content nested deeper than {} levels is not shown</source>
        <translation>{} 階層より深い内容は表示されません</translation>
    </message>
    <message>
        <source>only the first {} items of this report are shown</source>
        <translation>このレポートは最初の {} 項目のみ表示しています</translation>
    </message>
    <message>
        <source>the rest of the report could not be read ({})</source>
        <translation>レポートの残りを読み込めませんでした（{}）</translation>
    </message>
    <message>
        <source>MPR needs a stack of at least {} slices; {} has {}.</source>
        <translation>MPR には {} 枚以上のスライスが必要です。{} は {} 枚です。</translation>
    </message>
    <message>
        <source>MPR works on grey-scale CT or MR stacks; {} is in colour.</source>
        <translation>MPR はグレースケールの CT・MR スタックのみ対象です。{} はカラー画像です。</translation>
    </message>
    <message>
        <source>MPR cannot stack {}: its images have different sizes.</source>
        <translation>{} は MPR を構築できません: 画像サイズが異なります。</translation>
    </message>
    <message>
        <source>MPR cannot place {} in 3-D: some images lack their position, orientation or pixel spacing.</source>
        <translation>{} を 3D 空間に配置できません: 位置・向き・画素間隔のない画像があります。</translation>
    </message>
    <message>
        <source>MPR cannot stack {}: its images lie in different planes (mixed orientations, e.g. a localiser). Open a series with one plane.</source>
        <translation>{} は MPR を構築できません: 断面の異なる画像が混在しています（位置決め画像など）。単一断面のシリーズを開いてください。</translation>
    </message>
    <message>
        <source>MPR cannot stack {}: some slice positions occur twice (duplicates or several acquisitions in one series).</source>
        <translation>{} は MPR を構築できません: スライス位置が重複しています（重複画像、または 1 シリーズ内に複数回の撮像）。</translation>
    </message>
    <message>
        <source>MPR refused for {}: slices are missing (a gap of {} mm where {} mm is typical). Reconstructing across the gap would show anatomy that is not there; load the complete series.</source>
        <translation>{0} の MPR を中止しました: スライスが欠損しています（通常 {2} mm 間隔のところ {1} mm の隙間）。欠損部をまたいで再構成すると実在しない解剖が表示されるため、全スライスを読み込んでください。</translation>
    </message>
    <message>
        <source>MPR refused for {}: uneven slice spacing ({} to {} mm) would distort the other planes. Use a series reconstructed with even spacing.</source>
        <translation>{} の MPR を中止しました: スライス間隔が不均一（{}～{} mm）で他の断面が歪みます。等間隔で再構成されたシリーズを使用してください。</translation>
    </message>
    <message>
        <source>MPR refused for {}: the slices are sheared by {}° (gantry tilt), so the other planes would be distorted. Use a tilt-corrected reconstruction from the scanner, or read this series in its own plane.</source>
        <translation>{} の MPR を中止しました: スライスが {}° ずれており（ガントリー傾斜）、他の断面が歪みます。装置で傾斜補正した再構成画像を使うか、このシリーズは元の断面で読影してください。</translation>
    </message>
    <message>
        <source>MPR needs {} MiB for the {} slices of {}, more than the {} MiB left in the memory budget for images. Open MPR on a slab of {} slices around the current one instead.</source>
        <translation>MPR には {} MiB 必要です（{} 枚のスライス、{}）が、画像用メモリ予算の残りは {} MiB です。代わりに現在のスライス周辺の {} 枚のスラブで MPR を開いてください。</translation>
    </message>
    <message>
        <source>MPR needs {} MiB for the {} slices of {}, more than the {} MiB left in the memory budget for images. Close other series, or read this one in its own plane.</source>
        <translation>MPR には {} MiB 必要です（{} 枚のスライス、{}）が、画像用メモリ予算の残りは {} MiB です。他のシリーズを閉じるか、このシリーズは元の断面で読影してください。</translation>
    </message>
    <message>
        <source>MPR no longer fits the image memory budget: close the other MPR view or series and try again.</source>
        <translation>MPR が画像用メモリ予算に収まらなくなりました。他の MPR 表示またはシリーズを閉じて、もう一度お試しください。</translation>
    </message>
    <message>
        <source>the image this report refers to is not open; open the study it belongs to (File &gt; Open), then follow the reference again</source>
        <translation>このレポートが参照する画像は開かれていません。その画像の検査を開いて（ファイル &gt; 開く）から、もう一度参照をたどってください</translation>
    </message>
    <message>
        <source>UNSIGNED · developer mode</source>
        <translation>署名なし・開発者モード</translation>
    </message>
    <message>
        <source>model {}: the series for {} has no frame of reference, so its slices cannot be matched to the images the model runs on by position</source>
        <translation>モデル {}: {} のシリーズには Frame of Reference がないため、モデルを実行する画像と位置で対応付けられません</translation>
    </message>
    <message>
        <source>model {}: the series for {} is in a different frame of reference from the series the model runs on: positions in one mean nothing in the other (the two would need a registration first)</source>
        <translation>モデル {}: {} のシリーズは、モデルを実行するシリーズと Frame of Reference が異なります。一方の位置は他方では意味を持ちません（先に位置合わせが必要です）</translation>
    </message>
    <message>
        <source>model {}: the series for {} holds no images</source>
        <translation>モデル {}: {} のシリーズに画像がありません</translation>
    </message>
    <message>
        <source>model {}: the series for {} has an image without position, orientation or pixel spacing, so it cannot be aligned</source>
        <translation>モデル {}: {} のシリーズに位置・方向・ピクセル間隔のない画像があるため、位置を合わせられません</translation>
    </message>
    <message>
        <source>model {}: the series for {} mixes slice orientations; only a stack of parallel slices can be matched by position</source>
        <translation>モデル {}: {} のシリーズはスライスの方向が混在しています。位置で対応付けられるのは平行なスライスの積み重ねだけです</translation>
    </message>
    <message>
        <source>model {}: the series for {} is cut in another orientation ({}° from the images the model runs on); only parallel slices are matched</source>
        <translation>モデル {}: {} のシリーズは別の方向で切られています（モデルを実行する画像から {}°）。対応付けるのは平行なスライスだけです</translation>
    </message>
    <message>
        <source>model {}: the series for {} has no slice near this image's position: the nearest is {} mm away, more than half its slice spacing ({} mm)</source>
        <translation>モデル {}: {} のシリーズには、この画像の位置の近くにスライスがありません。最も近いものでも {} mm 離れており、スライス間隔の半分（{} mm）を超えています</translation>
    </message>
    <message>
        <source>model {}: the series for {} does not overlap this image in the patient</source>
        <translation>モデル {}: {} のシリーズは、患者座標でこの画像と重なりません</translation>
    </message>
    <message>
        <source>model {}: an image to run on has no position, orientation or pixel spacing, so {} cannot be aligned to it</source>
        <translation>モデル {}: 実行する画像に位置・方向・ピクセル間隔がないため、{} をその画像に合わせられません</translation>
    </message>
    <message>
        <source>model {}: the series for {} or the series the model runs on has no frame of reference, so the two cannot be placed on one grid</source>
        <translation>モデル {}: {} のシリーズまたはモデルを実行するシリーズに Frame of Reference がないため、両者を一つの格子に置けません</translation>
    </message>
    <message>
        <source>model {}: the series for {} does not overlap the series the model runs on in the patient: the model would read nothing but padding from it</source>
        <translation>モデル {}: {} のシリーズは、患者座標でモデルを実行するシリーズと重なりません。モデルはそこから埋め草しか読み取れません</translation>
    </message>
    <message>
        <source>model {}: this series at the model's spacing needs about {} of memory (grid {}); this computer has {}. Close other programs or run it on a larger workstation.</source>
        <translation>モデル {}: このシリーズをモデルの間隔で処理するには約 {} のメモリが必要です（格子 {}）。このコンピューターには {} しかありません。他のプログラムを閉じるか、より大きなワークステーションで実行してください。</translation>
    </message>
    <message>
        <source>model {}: the model has no input {} read from another series (it has {})</source>
        <translation>モデル {}: このモデルには他のシリーズから読む入力 {} がありません（あるのは {}）</translation>
    </message>
    <message>
        <source>model {}: input {} reads another series of the study; choose one (the command line: --input NAME=SERIES)</source>
        <translation>モデル {}: 入力 {} はこの検査の別のシリーズを読み込みます。シリーズを選んでください（コマンドラインでは --input NAME=SERIES）</translation>
    </message>
    <message>
        <source>model {}: the series chosen for input {} cannot be used: {}</source>
        <translation>モデル {}: 入力 {} に選ばれたシリーズは使えません: {}</translation>
    </message>
    <message>
        <source>model {}: the slices around this image differ in size</source>
        <translation>モデル {}: この画像の前後のスライスは大きさが異なります</translation>
    </message>
    <message>
        <source>model {}: the model reads the series as a volume of at least {} slices; the series has {}</source>
        <translation>モデル {}: このモデルはシリーズを {} 枚以上のボリュームとして読み込みますが、このシリーズは {} 枚です</translation>
    </message>
    <message>
        <source>the model reads the series as a volume of at least {} slices; the series has {}</source>
        <translation>このモデルはシリーズを {} 枚以上のボリュームとして読み込みますが、このシリーズは {} 枚です</translation>
    </message>
    <message>
        <source>no series of this study matches input {}: needs {}; found: {}</source>
        <translation>この検査には入力 {} に合うシリーズがありません。必要なもの: {}。見つかったもの: {}</translation>
    </message>
    <message>
        <source>it is the series the model runs on; input {} needs another series</source>
        <translation>モデルを実行するシリーズそのものです。入力 {} には別のシリーズが必要です</translation>
    </message>
    <message>
        <source>it belongs to another study</source>
        <translation>別の検査のシリーズです</translation>
    </message>
    <message>
        <source>it holds no images</source>
        <translation>画像がありません</translation>
    </message>
    <message>
        <source>it does not fit input {}: {}</source>
        <translation>入力 {} に合いません: {}</translation>
    </message>
    <message>
        <source>a named pipe, not a file</source>
        <translation>名前付きパイプです（ファイルではありません）</translation>
    </message>
    <message>
        <source>a character device, not a file</source>
        <translation>キャラクタデバイスです（ファイルではありません）</translation>
    </message>
    <message>
        <source>a block device, not a file</source>
        <translation>ブロックデバイスです（ファイルではありません）</translation>
    </message>
    <message>
        <source>a socket, not a file</source>
        <translation>ソケットです（ファイルではありません）</translation>
    </message>
    <message>
        <source>a folder, not a file</source>
        <translation>フォルダです（ファイルではありません）</translation>
    </message>
    <message>
        <source>a symbolic link loop (the link leads back to itself); remove or fix the link</source>
        <translation>シンボリックリンクがループしています（リンク先が自分自身に戻ります）。リンクを削除するか修正してください</translation>
    </message>
    <message>
        <source>a broken symbolic link (its target does not exist)</source>
        <translation>壊れたシンボリックリンクです（リンク先が存在しません）</translation>
    </message>
    <message>
        <source>a link to a folder outside the one opened: not followed (open that folder too)</source>
        <translation>開いたフォルダの外を指すフォルダへのリンクです。たどりません（そのフォルダも開いてください）</translation>
    </message>
    <message>
        <source>a link back to a folder already included (a loop): not read twice</source>
        <translation>既に含まれているフォルダに戻るリンクです（ループ）。二度は読み込みません</translation>
    </message>
    <message>
        <source>folder cannot be read ({})</source>
        <translation>フォルダを読み込めません（{}）</translation>
    </message>
    <message>
        <source>listed in the DICOMDIR but outside its folder (refused: a DICOMDIR may only point inside)</source>
        <translation>DICOMDIR に記載されていますがそのフォルダの外にあります（拒否：DICOMDIR はフォルダ内しか指せません）</translation>
    </message>
    <message>
        <source>listed in the DICOMDIR but missing</source>
        <translation>DICOMDIR に記載されていますが見つかりません</translation>
    </message>
    <message>
        <source>DICOM node {} ({}) refused to talk to this workstation ({}): check that the node knows Lightbox's AE title {} and that {} is the node's own AE title</source>
        <translation>DICOMノード {}（{}）がこの端末との通信を拒否しました（{}）。ノードにLightboxのAEタイトル {} が登録されていること、{} がノード自身のAEタイトルであることを確認してください</translation>
    </message>
    <message>
        <source>DICOM node {} ({}) accepted the connection but did not answer the association request within {} s: is it a DICOM node, on this port?</source>
        <translation>DICOMノード {}（{}）は接続を受け付けましたが、{} 秒以内にアソシエーション要求に応答しませんでした。このポートのDICOMノードですか？</translation>
    </message>
    <message>
        <source>DICOM node {} ({}): the host name {} is unknown on this network; check the site configuration or the workstation's name resolution</source>
        <translation>DICOMノード {}（{}）: ホスト名 {} はこのネットワークで見つかりません。サイト設定か端末の名前解決を確認してください</translation>
    </message>
    <message>
        <source>DICOM node {} ({}) did not answer within {} s: the node is down, or a firewall drops the connection</source>
        <translation>DICOMノード {}（{}）が {} 秒以内に応答しませんでした。ノードが停止しているか、ファイアウォールが接続を遮断しています</translation>
    </message>
    <message>
        <source>DICOM node {} ({}) cannot be reached ({}): the node is not running or the port is wrong</source>
        <translation>DICOMノード {}（{}）に接続できません（{}）。ノードが動作していないか、ポートが誤っています</translation>
    </message>
    <message>
        <source>DICOM node {} ({}) broke off {}: it aborted the association, the connection was lost, or it did not answer within {} s. Try again; if it happens at once every time, the node may not let Lightbox's AE title {} search or retrieve: ask its administrator to add it</source>
        <translation>DICOMノード {}（{}）が{}を中断しました。アソシエーションの中止、接続の切断、または {} 秒以内に応答がなかったためです。もう一度お試しください。毎回すぐに起こる場合は、ノードがLightboxのAEタイトル {} に検索・取得を許可していない可能性があります。管理者に追加を依頼してください</translation>
    </message>
    <message>
        <source>the search</source>
        <translation>検索</translation>
    </message>
    <message>
        <source>the listing of the study's images</source>
        <translation>検査の画像一覧の取得</translation>
    </message>
    <message>
        <source>DICOM node {} ({}) refused the search (status {}): the keys may be more than it supports</source>
        <translation>DICOMノード {}（{}）が検索を拒否しました（ステータス {}）。ノードが対応していない検索キーが含まれている可能性があります</translation>
    </message>
    <message>
        <source>no DICOM node named {} is configured; the configured ones are {}</source>
        <translation>{} という名前のDICOMノードは設定されていません。設定済みのノード: {}</translation>
    </message>
    <message>
        <source>the {} may not hold a backslash or control characters</source>
        <translation>{}にバックスラッシュや制御文字は使えません</translation>
    </message>
    <message>
        <source>the {} is longer than DICOM allows ({})</source>
        <translation>{}がDICOMの上限（{}）より長すぎます</translation>
    </message>
    <message>
        <source>patient name</source>
        <translation>患者名</translation>
    </message>
    <message>
        <source>patient ID</source>
        <translation>患者ID</translation>
    </message>
    <message>
        <source>accession number</source>
        <translation>受付番号</translation>
    </message>
    <message>
        <source>the study date {} is not a date or range: write YYYYMMDD, YYYYMMDD-YYYYMMDD, YYYYMMDD- (from) or -YYYYMMDD (until)</source>
        <translation>検査日 {} は日付または期間ではありません。YYYYMMDD、YYYYMMDD-YYYYMMDD、YYYYMMDD-（以降）または -YYYYMMDD（以前）と入力してください</translation>
    </message>
    <message>
        <source>the study date range {} ends before it starts</source>
        <translation>検査日の期間 {} は終了日が開始日より前です</translation>
    </message>
    <message>
        <source>{} is not a calendar date (YYYYMMDD)</source>
        <translation>{} は存在する日付ではありません（YYYYMMDD）</translation>
    </message>
    <message>
        <source>the connection to DICOM node {} ({}) was lost or timed out after {} of {} images; what arrived is kept: retrieve again to fetch the rest</source>
        <translation>DICOMノード {}（{}）との接続が {} / {} 画像の時点で切れたかタイムアウトしました。受信済みの画像は保存されています。再取得すると残りを取得します</translation>
    </message>
    <message>
        <source>DICOM node {} ({}) does not know the destination {}: ask the PACS administrator to add Lightbox's AE title {} with this workstation's address and storage port</source>
        <translation>DICOMノード {}（{}）は送信先 {} を知りません。PACS管理者に、LightboxのAEタイトル {} をこの端末のアドレスと保存ポートとともに登録するよう依頼してください</translation>
    </message>
    <message>
        <source>DICOM node {} ({}) has no images of that study</source>
        <translation>DICOMノード {}（{}）にその検査の画像はありません</translation>
    </message>
    <message>
        <source>DICOM node {} ({}) has no images of that study and series</source>
        <translation>DICOMノード {}（{}）にその検査・シリーズの画像はありません</translation>
    </message>
    <message>
        <source>DICOM node {} ({}) refused to list the study's images (status {})</source>
        <translation>DICOMノード {}（{}）が検査の画像一覧を拒否しました（ステータス {}）</translation>
    </message>
    <message>
        <source>DICOM node {} lists more than {} images for one study</source>
        <translation>DICOMノード {} が1検査に {} を超える画像を返しました</translation>
    </message>
    <message>
        <source>the local store {} is full ({}): free space there (or ask IT to move pacs_store_dir) and retrieve again; what arrived is kept and the rest resumes</source>
        <translation>保存先 {} が一杯です（{}）。空き容量を確保して（またはIT部門に pacs_store_dir の移動を依頼して）再取得してください。受信済みの画像は保存され、残りから再開します</translation>
    </message>
    <message>
        <source>cannot write to the local store {} ({}); check the folder's permissions</source>
        <translation>保存先 {} に書き込めません（{}）。フォルダの権限を確認してください</translation>
    </message>
    <message>
        <source>storing a received image failed unexpectedly; what was stored is kept, retrieve again</source>
        <translation>受信した画像の保存が予期せず失敗しました。保存済みの画像はそのままです。再取得してください</translation>
    </message>
    <message>
        <source>DICOM node {} ({}): the node's certificate is not trusted ({}) by the site's tls_ca_file {}: IT must give the CA that issued it</source>
        <translation>DICOMノード {0}（{1}）: ノードの証明書はサイト設定の tls_ca_file {3} で信頼されていません（{2}）。IT担当者が発行元のCAを設定してください</translation>
    </message>
    <message>
        <source>DICOM node {} ({}): the node's certificate is not trusted ({}) by the system's authorities, and the site sets no tls_ca_file: IT must give the CA that issued it</source>
        <translation>DICOMノード {}（{}）: ノードの証明書はシステムの認証局で信頼されていません（{}）。サイト設定に tls_ca_file がありません。IT担当者が発行元のCAを設定してください</translation>
    </message>
    <message>
        <source>DICOM node {} ({}): the node's certificate is not issued for {}: the site's host must be a name or address the certificate lists, or the node needs a certificate for it</source>
        <translation>DICOMノード {}（{}）: ノードの証明書は {} 向けに発行されていません。サイト設定のhostを証明書に記載された名前かアドレスにするか、ノードにその名前の証明書が必要です</translation>
    </message>
    <message>
        <source>the site's {} {} holds no PEM certificate Lightbox can use ({})</source>
        <translation>サイト設定の {} {} にLightboxが使えるPEM証明書がありません（{}）</translation>
    </message>
    <message>
        <source>DICOM node {} ({}) requires this workstation's certificate (mutual TLS), and the site gives none: IT sets tls_cert_file and tls_key_file</source>
        <translation>DICOMノード {}（{}）はこの端末の証明書（相互TLS）を要求していますが、サイト設定にありません。IT担当者が tls_cert_file と tls_key_file を設定してください</translation>
    </message>
    <message>
        <source>DICOM node {} ({}) does not accept this workstation's certificate {} ({}): the node must trust the CA that issued it</source>
        <translation>DICOMノード {}（{}）はこの端末の証明書 {} を受け付けません（{}）。ノードが発行元のCAを信頼する必要があります</translation>
    </message>
    <message>
        <source>DICOM node {} ({}) did not complete a TLS handshake ({}): it does not speak DICOM over TLS on this port; set tls = false for it, or ask for its TLS port</source>
        <translation>DICOMノード {}（{}）とのTLSハンドシェイクが完了しませんでした（{}）。このポートはDICOM over TLSに対応していません。tls = false にするか、TLS用のポートを確認してください</translation>
    </message>
    <message>
        <source>the site's {} {} cannot be read ({})</source>
        <translation>サイト設定の {} {} を読み込めません（{}）</translation>
    </message>
    <message>
        <source>the site sets {} but not {}: this workstation's certificate needs both (or neither)</source>
        <translation>サイト設定に {} はありますが {} がありません。この端末の証明書には両方が必要です（または両方なし）</translation>
    </message>
    <message>
        <source>the site's tls_key_file {} is not the private key of its tls_cert_file {}</source>
        <translation>サイト設定の tls_key_file {} は tls_cert_file {} の秘密鍵ではありません</translation>
    </message>
    <message>
        <source>the site's tls_cert_file {} or tls_key_file {} is not a PEM certificate and its unencrypted PEM private key ({})</source>
        <translation>サイト設定の tls_cert_file {} または tls_key_file {} がPEM証明書と暗号化されていないPEM秘密鍵ではありません（{}）</translation>
    </message>
    <message>
        <source>a TLS node sends by C-MOVE, so Lightbox's storage port needs its own certificate: the site must set tls_cert_file and tls_key_file (or the node retrieve = "get")</source>
        <translation>TLSノードがC-MOVEで送信するため、Lightboxの受信ポートに独自の証明書が必要です。サイト設定で tls_cert_file と tls_key_file を設定してください（またはノードを retrieve = "get" に）</translation>
    </message>
    <message>
        <source>the connection to DICOMweb node {} ({}) was lost during {}; try again</source>
        <translation>DICOMwebノード {}（{}）との接続が{}の途中で切れました。もう一度お試しください</translation>
    </message>
    <message>
        <source>DICOMweb node {} ({}): the {} file {} is readable by every account on this computer; IT makes it readable by Lightbox's users only (chmod o-r {})</source>
        <translation>DICOMwebノード {}（{}）: {}ファイル {} はこのコンピューターのすべてのアカウントが読めます。IT部門がLightboxの利用者だけが読めるようにします（chmod o-r {}）</translation>
    </message>
    <message>
        <source>DICOMweb node {} ({}): the {} file {} cannot be read ({}); ask IT to check it and its permissions</source>
        <translation>DICOMwebノード {}（{}）: {}ファイル {} を読めません（{}）。IT部門にファイルとその権限の確認を依頼してください</translation>
    </message>
    <message>
        <source>DICOMweb node {} ({}): the {} file {} is empty</source>
        <translation>DICOMwebノード {}（{}）: {}ファイル {} が空です</translation>
    </message>
    <message>
        <source>password</source>
        <translation>パスワード</translation>
    </message>
    <message>
        <source>token</source>
        <translation>トークン</translation>
    </message>
    <message>
        <source>DICOMweb node {} ({}): the site's TLS files (tls_ca_file, tls_cert_file, tls_key_file) cannot be used ({}); ask IT to check them</source>
        <translation>DICOMwebノード {}（{}）: サイトのTLSファイル（tls_ca_file、tls_cert_file、tls_key_file）を使用できません（{}）。IT部門に確認を依頼してください</translation>
    </message>
    <message>
        <source>no DICOM or DICOMweb node is configured: IT lists them in the site configuration ({}), [dicom_nodes.NAME] or [dicomweb_nodes.NAME] tables (see docs/pacs.md)</source>
        <translation>DICOMノードもDICOMwebノードも設定されていません。IT部門がサイト設定（{}）の [dicom_nodes.NAME] または [dicomweb_nodes.NAME] に記載します（docs/pacs.md を参照）</translation>
    </message>
    <message>
        <source>name the node to use: one of {}</source>
        <translation>使用するノードを指定してください: {} のいずれか</translation>
    </message>
    <message>
        <source>no node named {} is configured; the configured ones are {}</source>
        <translation>{} という名前のノードは設定されていません。設定済みのノード: {}</translation>
    </message>
    <message>
        <source>DICOMweb node {} ({}) refused {} (HTTP {}): {}; ask IT to check the node's auth, username and password or token file</source>
        <translation>DICOMwebノード {}（{}）が{}を拒否しました（HTTP {}）。{}。IT部門にノードの auth、username、パスワードまたはトークンのファイルを確認するよう依頼してください</translation>
    </message>
    <message>
        <source>it asks for credentials and none are configured</source>
        <translation>認証情報が求められていますが、設定されていません</translation>
    </message>
    <message>
        <source>the user name {} or its password was refused</source>
        <translation>ユーザー名 {} またはそのパスワードが拒否されました</translation>
    </message>
    <message>
        <source>the token was refused (expired or wrong)</source>
        <translation>トークンが拒否されました（期限切れまたは誤り）</translation>
    </message>
    <message>
        <source>the credentials were accepted but do not allow {}</source>
        <translation>認証情報は受け付けられましたが、{}は許可されていません</translation>
    </message>
    <message>
        <source>DICOMweb node {} ({}) answered 404 (not found) to {}: the URL's path is probably not the DICOMweb service's base (e.g. http://pacs:8042/dicom-web), or the study is not there</source>
        <translation>DICOMwebノード {}（{}）は{}に 404（見つかりません）と応答しました。URLのパスがDICOMwebサービスのベース（例: http://pacs:8042/dicom-web）でないか、検査が存在しません</translation>
    </message>
    <message>
        <source>DICOMweb node {} ({}) failed {} (HTTP {}): the service has a problem; try again later or ask its administrator</source>
        <translation>DICOMwebノード {}（{}）で{}が失敗しました（HTTP {}）。サービスに問題があります。後でもう一度試すか、管理者に問い合わせてください</translation>
    </message>
    <message>
        <source>DICOMweb node {} ({}) refused {} (HTTP {})</source>
        <translation>DICOMwebノード {}（{}）が{}を拒否しました（HTTP {}）</translation>
    </message>
    <message>
        <source>DICOMweb node {} ({}): the TLS connection failed ({}): its certificate is not trusted by this workstation or does not name that host; IT sets tls_ca_file to the hospital's certificate authority</source>
        <translation>DICOMwebノード {}（{}）: TLS接続に失敗しました（{}）。証明書がこの端末で信頼されていないか、ホスト名と一致しません。IT部門が tls_ca_file に病院の認証局を設定します</translation>
    </message>
    <message>
        <source>DICOMweb node {} ({}) did not answer {} within {} s: the service is down or overloaded, or a firewall drops the connection</source>
        <translation>DICOMwebノード {}（{}）が{}に {} 秒以内に応答しませんでした。サービスが停止または過負荷か、ファイアウォールが接続を遮断しています</translation>
    </message>
    <message>
        <source>DICOMweb node {} ({}): the host name {} is unknown on this network; check the site configuration</source>
        <translation>DICOMwebノード {}（{}）: ホスト名 {} はこのネットワークで見つかりません。サイト設定を確認してください</translation>
    </message>
    <message>
        <source>DICOMweb node {} ({}) cannot be reached ({}): the service is not running, or the URL's host or port is wrong</source>
        <translation>DICOMwebノード {}（{}）に接続できません（{}）。サービスが動作していないか、URLのホストまたはポートが誤っています</translation>
    </message>
    <message>
        <source>DICOMweb node {} ({}) sent an answer to {} that is not DICOMweb ({}): check the URL</source>
        <translation>DICOMwebノード {}（{}）の{}への応答はDICOMwebではありません（{}）。URLを確認してください</translation>
    </message>
    <message>
        <source>the connection to DICOMweb node {} ({}) was lost or timed out after {} of {} images ({}); what arrived is kept: retrieve again to fetch the rest</source>
        <translation>DICOMwebノード {}（{}）との接続が {} / {} 画像の時点で切れたかタイムアウトしました（{}）。受信済みの画像は保存されています。再取得すると残りを取得します</translation>
    </message>
    <message>
        <source>DICOMweb node {} ({}) sent a malformed multipart answer after {} of {} images; what arrived is kept: retrieve again to fetch the rest</source>
        <translation>DICOMwebノード {}（{}）が {} / {} 画像の時点で不正なマルチパート応答を送りました。受信済みの画像は保存されています。再取得すると残りを取得します</translation>
    </message>
    <message>
        <source>DICOMweb node {} ({}) redirected to another address ({}); Lightbox contacts only the configured URL: ask IT to configure the address it redirects to</source>
        <translation>DICOMwebノード {}（{}）が別のアドレス（{}）へリダイレクトしました。Lightboxは設定されたURLにのみ接続します。リダイレクト先のアドレスを設定するようIT部門に依頼してください</translation>
    </message>
    <message>
        <source>DICOMweb node {} ({}) has no images of that study</source>
        <translation>DICOMwebノード {}（{}）にその検査の画像はありません</translation>
    </message>
    <message>
        <source>DICOMweb node {} ({}) has no images of that study and series</source>
        <translation>DICOMwebノード {}（{}）にその検査・シリーズの画像はありません</translation>
    </message>
    <message>
        <source>the retrieve</source>
        <translation>取得</translation>
    </message>
    <message>
        <source>a search</source>
        <translation>検索</translation>
    </message>
    <message>
        <source>the send</source>
        <translation>送信</translation>
    </message>
    <message>
        <source>inference server {} ({}) cannot be reached ({}): the server is not running, or the url is wrong</source>
        <translation>推論サーバー {}（{}）に接続できません（{}）。サーバーが動作していないか、URLが誤っています</translation>
    </message>
    <message>
        <source>inference server {} ({}) did not answer within {} s: it is overloaded or down, or a firewall drops the connection</source>
        <translation>推論サーバー {}（{}）が {} 秒以内に応答しませんでした。過負荷か停止しているか、ファイアウォールが接続を遮断しています</translation>
    </message>
    <message>
        <source>inference server {} ({}): the host name {} is unknown on this network; check the site configuration</source>
        <translation>推論サーバー {}（{}）: ホスト名 {} はこのネットワークで解決できません。サイト設定を確認してください</translation>
    </message>
    <message>
        <source>inference server {} ({}) does not accept this workstation's API key (from {}): IT must give a key the server's service_api_keys lists</source>
        <translation>推論サーバー {}（{}）はこのワークステーションのAPIキー（{} から読み込み）を受け付けません。サーバーの service_api_keys にあるキーをITが設定する必要があります</translation>
    </message>
    <message>
        <source>inference server {} ({}) asks for an API key and the site gives none: IT sets api_key_file for it</source>
        <translation>推論サーバー {}（{}）はAPIキーを求めていますが、サイト設定にありません。ITが api_key_file を設定します</translation>
    </message>
    <message>
        <source>inference server {} ({}) does not serve the model verified here, so it was not sent there: {}. Run it here, or IT installs the same artifact on both</source>
        <translation>推論サーバー {}（{}）はここで検証したモデルと同じものを提供していないため、送信しませんでした: {}。ここで実行するか、ITが両方に同じアーティファクトを導入してください</translation>
    </message>
    <message>
        <source>inference server {} ({}) closed the connection: it requires this workstation's certificate (mutual TLS), and the site gives none: IT sets tls_cert_file and tls_key_file</source>
        <translation>推論サーバー {}（{}）が接続を閉じました。このワークステーションの証明書（相互TLS）が必要ですが、サイト設定にありません。ITが tls_cert_file と tls_key_file を設定します</translation>
    </message>
    <message>
        <source>inference server {} ({}): its certificate is not trusted by {} or does not name {} ({}): IT must give the CA that issued it</source>
        <translation>推論サーバー {}（{}）: その証明書は {} で信頼されていないか、{} を名指していません（{}）。発行したCAをITが設定する必要があります</translation>
    </message>
    <message>
        <source>inference server {} ({}): the TLS handshake failed ({}); is it an https server on this port?</source>
        <translation>推論サーバー {}（{}）: TLSハンドシェイクに失敗しました（{}）。このポートはhttpsサーバーですか？</translation>
    </message>
    <message>
        <source>inference server {} ({}) failed (HTTP {}, {}): {}</source>
        <translation>推論サーバー {}（{}）でエラーが発生しました（HTTP {}、{}）: {}</translation>
    </message>
    <message>
        <source>inference server {} ({}) refused the request (HTTP {}, {}): {}</source>
        <translation>推論サーバー {}（{}）が要求を拒否しました（HTTP {}、{}）: {}</translation>
    </message>
    <message>
        <source>inference server {} ({}) does not take a series this large ({}): run it here, or IT raises the server's service_max_request_mb / service_max_instances</source>
        <translation>推論サーバー {}（{}）はこの大きさのシリーズを受け付けません（{}）。ここで実行するか、ITがサーバーの service_max_request_mb / service_max_instances を引き上げてください</translation>
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
    <name>Receiving</name>
    <message>
        <source>Studies pushed by the PACS are not received: port {} is in use by another program (another Lightbox, or lightbox pacs listen). Searching and retrieving work as usual.</source>
        <extracomment>Why the viewer does not receive pushes ("" while it does, or was not asked to). What the reader was told of received studies, newest last. Pushed studies whose delivery is under way: images landed so far.</extracomment>
        <translation>PACSから送られる検査は受信されません: ポート {} は他のプログラム（別のLightbox、または lightbox pacs listen）が使用中です。検索と取得は通常どおり使えます。</translation>
    </message>
    <message>
        <source>⚠ Not receiving (port {} in use)</source>
        <translation>⚠ 受信停止中（ポート {} 使用中）</translation>
    </message>
    <message>
        <source>Receiving from the PACS</source>
        <translation>PACSから受信中</translation>
    </message>
    <message>
        <source>Lightbox receives the studies the PACS sends to it on port {}</source>
        <translation>LightboxはPACSから送られる検査をポート {} で受信します</translation>
    </message>
    <message>
        <source>Study received from {}: {} images</source>
        <translation>{} から検査を受信しました: {} 画像</translation>
    </message>
    <message>
        <source>Study received from {}: {}, {} images</source>
        <translation>{} から検査を受信しました: {}、{} 画像</translation>
    </message>
    <message>
        <source>({} refused: see the log)</source>
        <translation>（{} 件を拒否: ログを参照）</translation>
    </message>
</context>
<context>
    <name>ReportView</name>
    <message>
        <source>(hidden)</source>
        <extracomment>Relationships that qualify their parent rather than state a finding: shown muted. Every string shown through _tr, marked for lupdate (which does not see through _tr).</extracomment>
        <translation>（非表示）</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>AI-generated content</source>
        <translation>AI が生成した内容</translation>
    </message>
    <message>
        <source>model</source>
        <translation>モデル</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>装置</translation>
    </message>
    <message>
        <source>Person</source>
        <translation>人</translation>
    </message>
    <message>
        <source>Observer</source>
        <translation>観察者</translation>
    </message>
    <message>
        <source>(untitled section)</source>
        <translation>（無題のセクション）</translation>
    </message>
    <message>
        <source>(no image given)</source>
        <translation>（画像の指定なし）</translation>
    </message>
    <message>
        <source>image</source>
        <translation>画像</translation>
    </message>
    <message>
        <source>frame {}</source>
        <translation>フレーム {}</translation>
    </message>
    <message>
        <source>{} with {} point(s)</source>
        <translation>{0}（{1} 点）</translation>
    </message>
    <message>
        <source>{} with {} point(s) on {}</source>
        <translation>{2} 上の {0}（{1} 点）</translation>
    </message>
    <message>
        <source>{} with {} point(s) in patient space</source>
        <translation>患者座標系上の {0}（{1} 点）</translation>
    </message>
    <message>
        <source>Complete</source>
        <extracomment>Completion and Verification Flag values, as the header says them (marked for lupdate).</extracomment>
        <translation>完了</translation>
    </message>
    <message>
        <source>Partial</source>
        <translation>未完了</translation>
    </message>
    <message>
        <source>Verified</source>
        <translation>検証済み</translation>
    </message>
    <message>
        <source>Unverified</source>
        <translation>未検証</translation>
    </message>
    <message>
        <source>Not everything is shown</source>
        <translation>一部は表示されていません</translation>
    </message>
    <message>
        <source>(not open)</source>
        <translation>（開いていません）</translation>
    </message>
    <message>
        <source>This report cannot be shown</source>
        <translation>このレポートは表示できません</translation>
    </message>
    <message>
        <source>Se {} · Im {}</source>
        <translation>Se {} · 画像 {}</translation>
    </message>
    <message>
        <source>The image this refers to is not open. Open the study it belongs to (File &gt; Open), then click the link again.</source>
        <extracomment>The reader clicked a reference to an open image: (SOP Instance UID, 0-based frame).</extracomment>
        <translation>参照先の画像が開かれていません。対象の検査を開いて（ファイル &gt; 開く）から、もう一度リンクをクリックしてください。</translation>
    </message>
</context>
<context>
    <name>Reports</name>
    <message>
        <source>Back to images</source>
        <translation>画像に戻る</translation>
    </message>
</context>
<context>
    <name>SendResults</name>
    <message>
        <source>Send AI results to PACS</source>
        <extracomment>(files, cancel token, progress(done, total), automatic) -&gt; (objects stored, objects, problems); ``automatic``: sent because the site set ``results_auto_send``.</extracomment>
        <translation>AI結果をPACSへ送信</translation>
    </message>
    <message>
        <source>%v / %m objects</source>
        <translation>%v / %m オブジェクト</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>キャンセル</translation>
    </message>
    <message>
        <source>No PACS destination is configured: IT names one (results_destination) in the site configuration.</source>
        <translation>PACSの送信先が設定されていません。IT担当者がサイト設定（results_destination）で指定します。</translation>
    </message>
    <message>
        <source>There are no AI results of this series to send: run a model first.</source>
        <translation>このシリーズには送信するAI結果がありません。先にモデルを実行してください。</translation>
    </message>
    <message>
        <source>Sends this series' AI results (SEG, SR) to {} with C-STORE; each send is recorded in the audit log.</source>
        <translation>このシリーズのAI結果（SEG、SR）をC-STOREで{}へ送信します。送信はすべて監査ログに記録されます。</translation>
    </message>
    <message>
        <source>Sending to {}…</source>
        <translation>{}へ送信中…</translation>
    </message>
    <message>
        <source>Not sent: {}</source>
        <translation>送信されませんでした: {}</translation>
    </message>
    <message>
        <source>{} object(s) sent to {} and recorded in the audit log.</source>
        <translation>{} 件のオブジェクトを{}へ送信し、監査ログに記録しました。</translation>
    </message>
    <message>
        <source>{} of {} object(s) stored by {}:</source>
        <translation>{} 件を保存しました（全 {} 件、送信先 {}）:</translation>
    </message>
    <message>
        <source>Sending cancelled; the audit log records what was sent.</source>
        <translation>送信をキャンセルしました。送信済みの内容は監査ログに記録されています。</translation>
    </message>
</context>
<context>
    <name>StudyList</name>
    <message>
        <source>Date</source>
        <extracomment>How often the list asks the database whether it changed. The pause after a key before searching. Most studies shown at once (a search narrows it).</extracomment>
        <translation>日付</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Patient ID</source>
        <translation>患者ID</translation>
    </message>
    <message>
        <source>Accession</source>
        <translation>受付番号</translation>
    </message>
    <message>
        <source>Modality</source>
        <translation>モダリティ</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>画像数</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>サイズ</translation>
    </message>
    <message>
        <source>From</source>
        <translation>取得元</translation>
    </message>
    <message>
        <source>AI</source>
        <translation>AI</translation>
    </message>
    <message>
        <source>Search name, ID, accession, date, modality</source>
        <extracomment>The folder of a study the reader asked to open.</extracomment>
        <translation>氏名・ID・受付番号・日付・モダリティで検索</translation>
    </message>
    <message>
        <source>Reading the study list…</source>
        <translation>検査リストを読み込み中…</translation>
    </message>
    <message>
        <source>The study list cannot be shown: {}</source>
        <translation>検査リストを表示できません: {}</translation>
    </message>
    <message>
        <source>PACS</source>
        <translation>PACS</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>受信</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>フォルダ</translation>
    </message>
    <message>
        <source>incomplete</source>
        <translation>未完了</translation>
    </message>
    <message>
        <source>AI results exist for this study</source>
        <translation>この検査にはAI結果があります</translation>
    </message>
    <message>
        <source>{} studies</source>
        <translation>{} 件の検査</translation>
    </message>
</context>
<context>
    <name>TagBrowser</name>
    <message>
        <source>(hidden)</source>
        <translation>（非表示）</translation>
    </message>
    <message>
        <source>{} item(s)</source>
        <extracomment>Elements that identify the patient (PS3.15 basic profile, the ones a viewer shows). Every person name (VR PN) is hidden too, wherever it sits (SR content, sequences).</extracomment>
        <translation>{} 項目</translation>
    </message>
    <message>
        <source>&lt;{} bytes&gt;</source>
        <translation>&lt;{} バイト&gt;</translation>
    </message>
    <message>
        <source>Tag</source>
        <translation>タグ</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名前</translation>
    </message>
    <message>
        <source>VR</source>
        <translation>VR</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>値</translation>
    </message>
    <message>
        <source>DICOM tags</source>
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
    <message>
        <source>No DICOM header to show</source>
        <translation>表示する DICOM ヘッダーがありません</translation>
    </message>
    <message>
        <source>Item {}</source>
        <translation>項目 {}</translation>
    </message>
</context>
<context>
    <name>Viewport</name>
    <message>
        <source>loading…</source>
        <extracomment>Marked for lupdate; translated where shown (``_message``).</extracomment>
        <translation>読込中…</translation>
    </message>
    <message>
        <source>Open a study: File &gt; Open, or drop files or folders here</source>
        <extracomment>Which gesture each mouse button makes; "tool" means the active left-button tool. Ctrl+wheel: one notch zooms 10 % about the cursor, as Weasis and most image viewers do. The shown series has every frame decoded (or failed) and the current one is ready. (done, total) frames of the shown series. Position and value under the mouse, for the status bar ("" when off the image). Display state changed (frozenset of field names), for the window title and menus. Set on views of derived images (MPR planes), which are never fed to a model. The object without pixels shown instead of an image (SR, RTSTRUCT, ECG…). What an empty viewport says (the layout tells its other viewports to say more).</extracomment>
        <translation>検査を開く: ファイル &gt; 開く、またはここにファイル・フォルダをドロップ</translation>
    </message>
    <message>
        <source>Unnamed</source>
        <extracomment>"Receiving 5 / 64" under the image number while the series still arrives (ui/window/arriving.py): a partial stack is never shown as the whole series. The reader's cine rate ([ and ]); None: the file's own (or the default). The preset the reader chose last, to name the window on the image. Reference lines from the other viewports: (segment in this image's pixels, label); the reading layout supplies them, a lone viewport has none.</extracomment>
        <translation>氏名なし</translation>
    </message>
    <message>
        <source>no image to display</source>
        <translation>表示できる画像なし</translation>
    </message>
    <message>
        <source>No image to display</source>
        <translation>表示する画像がありません</translation>
    </message>
    <message>
        <source>Cannot display this image.</source>
        <translation>この画像は表示できません。</translation>
    </message>
    <message>
        <source>value {:g}</source>
        <translation>値 {:g}</translation>
    </message>
    <message>
        <source>KEY</source>
        <extracomment>Above the bottom orientation letter, centred: the corners hold the corner text.</extracomment>
        <translation>キー画像</translation>
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
        <source>Link with offset</source>
        <translation>オフセット付きで連動</translation>
    </message>
    <message>
        <source>Reference lines</source>
        <translation>参照線</translation>
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
        <source>Link with offset needs two viewports showing images: bring both to the same anatomy, then link.</source>
        <translation>オフセット付き連動には画像を表示した 2 つのビューポートが必要です。両方を同じ部位に合わせてから連動してください。</translation>
    </message>
    <message>
        <source>Series</source>
        <translation>シリーズ</translation>
    </message>
    <message>
        <source>{} · Im {}</source>
        <translation>{} · 画像 {}</translation>
    </message>
    <message>
        <source>Open a CT or MR series first, then choose MPR.</source>
        <translation>先にCTまたはMRのシリーズを開いてから、MPRを選んでください。</translation>
    </message>
</context>
</TS>