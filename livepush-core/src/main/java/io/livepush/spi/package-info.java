/**
 * For transport authors: how a wire protocol plugs into the core ({@link io.livepush.spi.Transport}), what the
 * core offers it ({@link io.livepush.spi.TransportContext}: the admission stage every streaming request passes
 * once, which yields the {@link io.livepush.spi.AdmittedRequest} that alone opens a
 * {@link io.livepush.spi.Session}) and the names of the handlers the core installs
 * ({@link io.livepush.spi.PipelineNames}). Applications do not need this package.
 */
package io.livepush.spi;
