/**
 * The live view: a local web server that watches a results folder and pushes each record change
 * to the page.
 *
 * @module
 */
export { serveResults } from "./server.ts";
