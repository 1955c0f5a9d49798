package io.livepush.bench.jmh;
public class SseEncodeBench {}
