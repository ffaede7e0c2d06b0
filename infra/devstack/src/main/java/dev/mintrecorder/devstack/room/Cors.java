package dev.mintrecorder.devstack.room;

import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * livekit-server's CORS middleware ({@code pkg/service/server.go}: {@code rs/cors} allowing every origin, the methods
 * OPTIONS, HEAD, GET, POST, PATCH and DELETE, any header, exposing every header, preflight cached for a day), so a
 * browser's cross-origin {@code fetch} of {@code /rtc/v1/validate} can read the 404 and fall back to {@code /rtc}.
 * As rs/cors: a request without {@code Origin} or with another method gets no CORS headers; a preflight is answered
 * 204 here and not passed on.
 */
final class Cors extends Handler.Wrapper {
    static final Set<String> METHODS = Set.of("OPTIONS", "HEAD", "GET", "POST", "PATCH", "DELETE");
    static final String MAX_AGE = "86400";

    Cors(Handler next) {
        super(next);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        HttpFields headers = request.getHeaders();
        String origin = headers.get(HttpHeader.ORIGIN);
        String preflightMethod = headers.get(HttpHeader.ACCESS_CONTROL_REQUEST_METHOD);
        HttpFields.Mutable out = response.getHeaders();
        if (HttpMethod.OPTIONS.is(request.getMethod()) && preflightMethod != null) {
            out.add(HttpHeader.VARY, "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
            String method = preflightMethod.toUpperCase(Locale.ROOT);
            if (origin != null && !origin.isEmpty() && METHODS.contains(method)) {
                out.put(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
                out.put(HttpHeader.ACCESS_CONTROL_ALLOW_METHODS, method);
                String requestedHeaders = headers.get(HttpHeader.ACCESS_CONTROL_REQUEST_HEADERS);
                if (requestedHeaders != null && !requestedHeaders.isEmpty()) {
                    out.put(HttpHeader.ACCESS_CONTROL_ALLOW_HEADERS, requestedHeaders);
                }
                out.put(HttpHeader.ACCESS_CONTROL_MAX_AGE, MAX_AGE);
            }
            response.setStatus(204);
            callback.succeeded();
            return true;
        }
        out.add(HttpHeader.VARY, "Origin");
        if (origin != null && !origin.isEmpty() && METHODS.contains(request.getMethod())) {
            out.put(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            out.put(HttpHeader.ACCESS_CONTROL_EXPOSE_HEADERS, "*");
        }
        return super.handle(request, response, callback);
    }
}
