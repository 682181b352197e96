/** The playground's stylesheet (served as /playground/style.css). */
export const STYLE_CSS = `
:root { font: 15px/1.45 system-ui, sans-serif; color: #1d1d1f; background: #f6f6f4; }
body { margin: 0 auto; max-width: 1200px; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
h2 { font-size: 1.1rem; margin: 0 0 .75rem; }
header { margin-bottom: 1rem; }
header details { margin-top: .5rem; }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(540px, 1fr)); gap: 1.5rem; }
section { background: #fff; border: 1px solid #ddd; border-radius: 8px; padding: 1rem; }
form { display: grid; gap: .6rem; margin-bottom: .75rem; }
form > label { display: grid; gap: .2rem; }
.row { display: flex; flex-wrap: wrap; gap: .6rem; align-items: center; }
#question { flex: 1; min-width: 16rem; }
input[type=text], textarea, select { font: inherit; padding: .3rem .4rem; }
button { font: inherit; padding: .3rem .9rem; cursor: pointer; }
.status { min-height: 1.4em; margin: .25rem 0 .75rem; color: #444; }
[data-state=loading] .status, [data-state=running] .status { color: #7a5b00; }
[data-state=error] .status { color: #b00020; font-weight: 600; white-space: pre-wrap; }
canvas { display: block; background: #eee; image-rendering: pixelated; }
.answer { font-size: 1.1rem; min-height: 1.5em; }
.answer mark { padding: 0 .2em; border-radius: 3px; }
input[type=number] { width: 5rem; }
.segments { list-style: none; padding: 0; display: grid; gap: .3rem; }
.segments label { display: flex; gap: .5rem; align-items: center; }
.swatch { width: 1.1rem; height: 1.1rem; border-radius: 3px; display: inline-block; }
progress { width: 100%; }
.keyframes, .story-media { display: flex; flex-wrap: wrap; gap: .75rem; }
figure { margin: 0; }
figure img { display: block; width: 192px; image-rendering: pixelated; }
#page { width: 384px; }
figcaption { font-size: .85rem; color: #555; }
.log { font: 12px/1.4 ui-monospace, monospace; max-height: 12rem; overflow: auto; color: #555; }
`;
