/**
 * @module api/openapi
 * The OpenAPI 3.1 document of the server API, served at /api/openapi.json.
 */
export const OPENAPI_DOCUMENT = { openapi: '3.1.0', info: { title: 'relais server API', version: '1' }, paths: {} };
