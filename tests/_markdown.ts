// Copyright 2026 the raftsnap authors. Apache-2.0 license.
// Reading the repository's Markdown as GitHub renders it: the anchors its headings get, and the
// links that point into the repository, so a test can fail on a link that leads nowhere.

/**
 * The anchor GitHub gives a heading's text (github-slugger's rules): the Markdown is rendered to
 * text first (code spans keep their content, links their text, emphasis markers go), then
 * lower-cased, every character that is not a letter, a digit, a mark, `_`, `-` or a space is
 * dropped, and each space becomes `-`.
 */
export function githubSlug(heading: string): string {
  const text = heading
    .replace(/<[^>]+>/g, "") // inline HTML
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // links and images: their text
    .replace(/`([^`]*)`/g, "$1") // code spans: their content
    .replace(/(\*\*|__)(.+?)\1/g, "$2") // strong
    .replace(/(^|[^\w*])\*(?!\s)(.+?)\*(?=[^\w*]|$)/g, "$1$2") // emphasis with *
    .replace(/(^|\W)_(?!\s)(.+?)_(?=\W|$)/g, "$1$2"); // emphasis with _
  return text.trim().toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
}

/** Replace fenced code blocks and code spans with spaces, keeping line numbers. */
function withoutCode(markdown: string): string {
  const lines = markdown.split("\n");
  let fence: string | undefined;
  return lines.map((line) => {
    const open = line.match(/^\s{0,3}(`{3,}|~{3,})/);
    if (fence) {
      if (open && open[1]![0] === fence[0] && open[1]!.length >= fence.length) fence = undefined;
      return "";
    }
    if (open) {
      fence = open[1];
      return "";
    }
    return line.replace(/(`+)[\s\S]*?\1/g, (span) => " ".repeat(span.length));
  }).join("\n");
}

/** Every anchor a Markdown document defines: its headings' slugs (numbered when repeated) and any
 * `<a id>`/`<a name>`. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const lines = markdown.split("\n");
  let fence: string | undefined;
  for (const line of lines) {
    const open = line.match(/^\s{0,3}(`{3,}|~{3,})/);
    if (fence) {
      if (open && open[1]![0] === fence[0] && open[1]!.length >= fence.length) fence = undefined;
      continue;
    }
    if (open) {
      fence = open[1];
      continue;
    }
    const heading = line.match(/^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/);
    if (heading) {
      const base = githubSlug(heading[1]!);
      const count = seen.get(base) ?? 0;
      seen.set(base, count + 1);
      anchors.add(count === 0 ? base : `${base}-${count}`);
    }
    for (const m of line.matchAll(/<a\s[^>]*(?:id|name)="([^"]+)"/g)) anchors.add(m[1]!);
  }
  return anchors;
}

/** A link in a Markdown document: its target as written and the line it is on. */
export interface MarkdownLink {
  target: string;
  line: number;
}

/** Every link target outside code: inline links and images, reference definitions, `href`s. */
export function linksOf(markdown: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  withoutCode(markdown).split("\n").forEach((text, i) => {
    const patterns = [
      /\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g,
      /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/g,
      /\bhref="([^"]+)"/g,
    ];
    for (const pattern of patterns) {
      for (const m of text.matchAll(pattern)) links.push({ target: m[1]!, line: i + 1 });
    }
  });
  return links;
}

/** A link that leads nowhere: where it is, and why. */
export interface BrokenLink {
  file: string;
  line: number;
  target: string;
  reason: string;
}

/**
 * The relative links of one document (at `file`, a path relative to `root`) that point to no file
 * or folder, or to a heading anchor the target document does not have. Links with a scheme
 * (`https:`, `mailto:`) are not followed.
 */
export async function brokenLinks(
  root: URL,
  file: string,
  markdown: string,
  read: (path: string) => Promise<string | "directory" | undefined>,
): Promise<BrokenLink[]> {
  const broken: BrokenLink[] = [];
  for (const { target, line } of linksOf(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//")) continue;
    const hash = target.indexOf("#");
    const path = hash < 0 ? target : target.slice(0, hash);
    const fragment = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const absolute = new URL(path, new URL(file, root));
    if (!absolute.href.startsWith(root.href)) {
      broken.push({ file, line, target, reason: "leads outside the repository" });
      continue;
    }
    const resolved = path === ""
      ? file
      : decodeURIComponent(absolute.pathname.slice(root.pathname.length)).replace(/\/$/, "");
    const content = path === "" ? markdown : await read(resolved);
    if (content === undefined) {
      broken.push({ file, line, target, reason: `no file or folder ${resolved}` });
      continue;
    }
    if (fragment === undefined || fragment === "") continue;
    if (content === "directory" || !resolved.endsWith(".md")) {
      broken.push({ file, line, target, reason: `${resolved} has no headings to link into` });
      continue;
    }
    if (!anchorsOf(content).has(fragment)) {
      broken.push({ file, line, target, reason: `${resolved} has no heading #${fragment}` });
    }
  }
  return broken;
}
