export { hostWithoutPort, hasRepeatedHost } from './host.js';
export { parseRequestTarget, splitTarget, type RequestTarget } from './request-target.js';
export { parseHttpDate, formatHttpDate } from './http-date.js';
export { listen, closeServer } from './server.js';
export { parseXml, XmlRefusal, escapeXml, decodeXmlEntities, isXmlChar, isXmlSafe, type XmlTree, type XmlRefusalReason, type ParseXmlOptions } from './xml.js';
export { PrometheusWriter, LatencyHistogram, DEFAULT_LATENCY_BUCKETS_S, escapeLabelValue, PROMETHEUS_CONTENT_TYPE, type HistogramData, type MetricType } from './prometheus.js';
export { loadTlsMaterial, reloadTlsOnSighup, type TlsFiles, type TlsMaterial, type ReloadableTlsServer } from './tls.js';
