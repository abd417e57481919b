import {
  type Context,
  context,
  propagation,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';

/**
 * OpenTelemetry tracing through the standard OTEL_* variables; off unless an OTLP endpoint
 * (or OTEL_TRACES_EXPORTER) is configured, so a bare install sends nothing anywhere.
 */
export function startTelemetry(service: string, env = process.env): { shutdown: () => Promise<void> } {
  const configured =
    env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_TRACES_EXPORTER;
  if (!configured || env.OTEL_TRACES_EXPORTER === 'none' || env.OTEL_SDK_DISABLED === 'true') {
    return { shutdown: async () => {} };
  }
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? service,
    traceExporter: env.OTEL_TRACES_EXPORTER ? undefined : new OTLPTraceExporter(),
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

type Headers = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

const setter: TextMapSetter<Headers> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

const getter: TextMapGetter<Headers> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    const first = Array.isArray(value) ? value[0] : value;
    return first === undefined ? undefined : first.toString();
  },
};

/** Writes the active trace context (traceparent, tracestate) into Kafka record headers. */
export function injectTraceHeaders(headers: Headers, ctx: Context = context.active()): Headers {
  propagation.inject(ctx, headers, setter);
  return headers;
}

/** Reads a producer's trace context back from Kafka record headers. */
export function extractTraceContext(headers: Headers | undefined): Context {
  return propagation.extract(context.active(), headers ?? {}, getter);
}
